"""Sign-up, token login/logout, the current user, passwords, account deletion."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import assert_error
from tests.factories import PASSWORD, make_meme

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_signup_returns_a_working_token(api):
    response = api.post(
        "/api/v1/auth/signup/", {"username": "newbie", "email": "n@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["username"] == "newbie" and body["user"]["email"] == "n@example.com"
    assert body["user"]["profile_url"] == "http://testserver/api/v1/users/newbie/"
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get("/api/v1/me/").json()["username"] == "newbie"
    assert User.objects.get(username="newbie").check_password(PASSWORD)


def test_signup_errors_name_their_fields(api, owner):
    response = api.post(
        "/api/v1/auth/signup/", {"username": "owner", "email": "o2@example.com", "password": "123"}
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"username", "password"}
    assert "already exists" in error["fields"]["username"][0]
    assert any("too short" in m for m in error["fields"]["password"])
    assert error["message"].startswith("Username:")
    assert User.objects.count() == 1
    response = api.post("/api/v1/auth/signup/", {"username": "x", "email": "bad", "password": PASSWORD})
    assert assert_error(response, 400, field="email")["fields"]["email"] == ["Enter a valid email address."]


def test_signup_missing_fields(api):
    error = assert_error(api.post("/api/v1/auth/signup/", {}), 400)
    assert set(error["fields"]) == {"username", "email", "password"}
    assert error["fields"]["username"] == ["This field is required."]


def test_login_gives_the_token_and_wrong_password_is_a_readable_400(api, owner):
    response = api.post("/api/v1/auth/login/", {"username": "owner", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=owner).key
    error = assert_error(
        api.post("/api/v1/auth/login/", {"username": "owner", "password": "nope"}), 400, "invalid_credentials"
    )
    assert error["message"] == "Wrong username or password." and error["fields"] == {}


def test_inactive_user_cannot_log_in(api, owner):
    owner.is_active = False
    owner.save()
    assert_error(api.post("/api/v1/auth/login/", {"username": "owner", "password": PASSWORD}), 400)


def test_logout_revokes_the_token(owner_api, owner):
    assert owner_api.get("/api/v1/me/").status_code == 200
    assert owner_api.post("/api/v1/auth/logout/").status_code == 204
    assert not Token.objects.filter(user=owner).exists()
    assert_error(owner_api.get("/api/v1/me/"), 401, "authentication_failed")


def test_anonymous_and_bad_token_get_401_with_the_challenge(api):
    response = api.get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(api.get("/api/v1/feed/"), 401, "authentication_failed")  # even where none is needed


def test_me(owner_api, owner):
    body = owner_api.get("/api/v1/me/").json()
    assert body["id"] == owner.pk and body["is_staff"] is False
    assert body["memes_url"] == "http://testserver/api/v1/me/memes/"


def test_session_auth_works_for_the_browsable_api(client, owner):
    client.force_login(owner)
    assert client.get("/api/v1/me/", HTTP_ACCEPT="application/json").json()["username"] == "owner"
    page = client.get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"owner" in page.content and b"<html" in page.content


def test_session_writes_need_csrf(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    assert_error(client.post("/api/v1/auth/logout/"), 403, "permission_denied")


def test_password_change_rotates_the_token(owner_api, owner):
    old = Token.objects.get(user=owner).key
    error = assert_error(
        owner_api.post("/api/v1/auth/password/", {"old_password": "wrong", "new_password": "x"}), 400
    )
    assert set(error["fields"]) == {"old_password", "new_password"}
    response = owner_api.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "another-long-pass-42"}
    )
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    owner.refresh_from_db()
    assert owner.check_password("another-long-pass-42")
    assert_error(owner_api.get("/api/v1/me/"), 401)  # the old token is gone
    owner_api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert owner_api.get("/api/v1/me/").status_code == 200


def test_password_reset_emails_a_link_to_the_web_page(api, owner):
    assert api.post("/api/v1/auth/password-reset/", {"email": owner.email}).status_code == 202
    assert len(mail.outbox) == 1
    assert re.search(r"http://testserver/accounts/reset/\S+/", mail.outbox[0].body)
    # An unknown address looks the same from outside, and sends nothing.
    assert api.post("/api/v1/auth/password-reset/", {"email": "nobody@example.com"}).status_code == 202
    assert len(mail.outbox) == 1
    assert_error(api.post("/api/v1/auth/password-reset/", {"email": "not an email"}), 400, field="email")


def test_delete_account_needs_the_password(owner_api, owner):
    make_meme(owner)
    assert_error(owner_api.post("/api/v1/me/delete/", {"password": "wrong"}), 400, "password", "password")
    assert User.objects.filter(pk=owner.pk).exists()
    assert owner_api.post("/api/v1/me/delete/", {"password": PASSWORD}).status_code == 204
    assert not User.objects.filter(pk=owner.pk).exists()
    assert_error(owner_api.get("/api/v1/me/"), 401)
