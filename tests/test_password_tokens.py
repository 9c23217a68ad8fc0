"""A password change revokes the API token on every path (issue 9 §2): before, a token survived a
change or reset done on the web (or in the admin), so a stolen token outlived the old password."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NEW = "brand-new-pass-phrase-77"


@pytest.fixture
def person(db) -> Any:
    return make_user("person")


def token_works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/").status_code == 200


def test_web_password_change_revokes_the_token(client, person):
    key = api_token_issue(user=person)
    client.force_login(person)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert not token_works(key)
    assert not Token.objects.filter(user=person).exists()


def test_web_password_reset_revokes_the_token(client, person):
    key = api_token_issue(user=person)
    assert client.post("/accounts/password_reset/", {"email": person.email}).status_code == 302
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session and redirects
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert not token_works(key)


def test_admin_password_change_revokes_the_token(client, person):
    key = api_token_issue(user=person)
    admin = make_user("boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{person.pk}/password/", {"password1": NEW, "password2": NEW}
    )
    assert response.status_code == 302, response.content[:500]
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert not token_works(key)


def test_api_password_change_revokes_the_old_token_and_issues_a_new_one(person):
    key = api_token_issue(user=person)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 200
    assert not token_works(key) and token_works(response.json()["token"])


def test_saving_other_fields_keeps_the_token(person):
    key = api_token_issue(user=person)
    person.email = "new@example.com"
    person.save()
    person.check_password(PASSWORD)  # a login (may upgrade the hash) is not a password change
    assert token_works(key)
