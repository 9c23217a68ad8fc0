"""Account writes."""

from typing import Any

from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction

from memes.models import Meme
from memes.services.memes import meme_delete


def user_delete(*, user: Any) -> int:
    """Delete a person with all their memes and the memes' files; returns how many memes went."""
    with transaction.atomic():
        memes = list(Meme.objects.filter(owner=user))
        for meme in memes:
            meme_delete(meme=meme)
        user.delete()
    return len(memes)


# --- used by the REST API ------------------------------------------------------------------------
# Sign-up and password changes go through the same Django forms as the web pages, so both apply
# the same rules (unique username, password validators) and say the same things.


def _form_errors(form: Any, names: dict[str, str]) -> ValidationError:
    """A form's errors as one ValidationError keyed by the API's field names."""
    errors: dict[str, list[ValidationError]] = {}
    for field, field_errors in form.errors.as_data().items():
        errors.setdefault(names.get(field, field), []).extend(field_errors)
    return ValidationError(errors)


def user_signup(*, username: str, email: str, password: str) -> Any:
    from .forms import SignUpForm

    form = SignUpForm({"username": username, "email": email, "password1": password, "password2": password})
    if not form.is_valid():
        raise _form_errors(form, {"password1": "password", "password2": "password"})
    return form.save()


def user_password_change(*, user: Any, old_password: str, new_password: str) -> Any:
    """Change the password. Saving it revokes the person's API token (User.save, the one home for
    that rule on every path); the caller issues a new one."""
    form = PasswordChangeForm(
        user, {"old_password": old_password, "new_password1": new_password, "new_password2": new_password}
    )
    if not form.is_valid():
        raise _form_errors(form, {"new_password1": "new_password", "new_password2": "new_password"})
    form.save()
    return user


def user_password_reset_request(*, email: str, domain: str, use_https: bool) -> None:
    """Email a reset link to the web page (if the address has an account; we never say whether)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        raise _form_errors(form, {})
    form.save(domain_override=domain, use_https=use_https)


def check_own_password(*, user: Any, password: str | None) -> str:
    """The person's own password, confirmed before something that can't be undone (web and API)."""
    if not user.check_password(password or ""):
        raise ValidationError("That is not your password.", code="password")
    return password or ""


def user_delete_checked(*, user: Any, password: str) -> int:
    """Delete one's own account after confirming the password; returns how many memes went."""
    try:
        check_own_password(user=user, password=password)
    except ValidationError as error:
        raise ValidationError({"password": [error]}) from error
    return user_delete(user=user)


def api_token_issue(*, user: Any) -> str:
    """The person's API token (created on first sign-in). One per person: see README, REST API."""
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def api_token_revoke(*, user: Any) -> int:
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).delete()[0]
