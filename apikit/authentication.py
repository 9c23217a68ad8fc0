"""DRF's token authentication with its per-request lookup made cheap.

Every signed-in API request looks its token up. DRF does it with
`Token.objects.select_related("user").get(key=key)`, and building that ORM query and the two model
instances cost about three times what running the query does (see BENCHMARKS.md, REST API feed).
Here the same join is one plain SQL query, written once per process from the models' own fields,
and its values go through the same database converters the ORM would apply.

Nothing is cached between requests: a token deleted by a password change or a logout fails on the
very next request, as with DRF's own class.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`: the same header, answers and errors as DRF's class."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        if self.get_model() is not Token:  # a custom token model: DRF's own lookup
            return super().authenticate_credentials(key)
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token


def token_with_user(key: str) -> Token | None:
    """The token with this key and its user (already loaded), or None."""
    sql, user_fields, token_fields, converters = _lookup(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, field_converters, column in converters:
        for convert in field_converters:
            values[index] = convert(values[index], column, connection)
    user_model = get_user_model()
    user = user_model.from_db(connection.alias, user_fields, values[: len(user_fields)])
    token = Token.from_db(connection.alias, token_fields, values[len(user_fields) :])
    Token.user.field.set_cached_value(token, user)
    return token


@cache
def _lookup(vendor: str) -> tuple[str, list[str], list[str], list[tuple[int, list[Any], Any]]]:
    """The query (every concrete field of the user, then of the token) and each column's converters."""
    user_model = get_user_model()
    qn = connection.ops.quote_name
    users, tokens = user_model._meta, Token._meta
    user_columns = [("u", field) for field in users.concrete_fields]
    token_columns = [("t", field) for field in tokens.concrete_fields]
    selected = ", ".join(f"{alias}.{qn(field.column)}" for alias, field in user_columns + token_columns)
    sql = (
        f"SELECT {selected} FROM {qn(tokens.db_table)} t INNER JOIN {qn(users.db_table)} u "
        f"ON u.{qn(users.pk.column)} = t.{qn(tokens.get_field('user').column)} "
        f"WHERE t.{qn(tokens.get_field('key').column)} = %s"
    )
    converters = []
    for index, (alias, field) in enumerate(user_columns + token_columns):
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    user_fields = [field.attname for _alias, field in user_columns]
    token_fields = [field.attname for _alias, field in token_columns]
    return sql, user_fields, token_fields, converters
