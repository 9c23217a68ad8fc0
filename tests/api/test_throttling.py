"""Per-person and per-address limits on sign-up, upload and comment, from settings."""

import pytest
from django.conf import settings as django_settings

from tests.api.conftest import assert_error, token_client
from tests.factories import PASSWORD, make_meme, make_user

pytestmark = pytest.mark.django_db


def test_every_scope_has_user_or_ip_defaults():
    scopes = {key.rsplit("_", 1)[0] for key in django_settings.API_THROTTLE_RATES}
    assert {"signup", "password_reset", "upload", "comment"} <= scopes


# Logins are limited by django-axes, shared with the login page and the admin (per address and
# per account+address, failures only): tests/test_login_limits.py.


def test_signup_is_limited_per_address(api, rates):
    rates(signup_ip="2/hour")
    for i in range(2):
        body = {"username": f"new{i}", "email": f"n{i}@example.com", "password": PASSWORD}
        assert api.post("/api/v1/auth/signup/", body, REMOTE_ADDR="10.0.2.1").status_code == 201
    body = {"username": "new9", "email": "n9@example.com", "password": PASSWORD}
    assert_error(api.post("/api/v1/auth/signup/", body, REMOTE_ADDR="10.0.2.1"), 429)


def test_upload_is_limited_per_person_and_address(rates, owner_api, other_api):
    rates(upload_user="2/hour", upload_ip="3/hour")
    bad = {"photo": "not a file"}  # throttles count attempts, valid or not
    for _ in range(2):
        assert (
            owner_api.post("/api/v1/memes/", bad, format="multipart", REMOTE_ADDR="10.0.3.1").status_code
            == 400
        )
    assert_error(
        owner_api.post("/api/v1/memes/", bad, format="multipart", REMOTE_ADDR="10.0.3.2"), 429
    )  # per person
    assert (
        other_api.post("/api/v1/memes/", bad, format="multipart", REMOTE_ADDR="10.0.3.1").status_code == 400
    )
    assert_error(
        other_api.post("/api/v1/memes/", bad, format="multipart", REMOTE_ADDR="10.0.3.1"), 429
    )  # per address


def test_comment_is_limited_but_reading_is_not(rates, owner, other_api):
    rates(comment_user="2/min")
    meme = make_meme(owner)
    url = f"/api/v1/memes/{meme.public_id}/comments/"
    for _ in range(2):
        assert other_api.post(url, {"text": "hi"}).status_code == 201
    assert_error(other_api.post(url, {"text": "hi"}), 429)
    for _ in range(5):
        assert other_api.get(url).status_code == 200
    assert token_client(make_user()).post(url, {"text": "hi"}).status_code == 201


def test_rates_come_from_the_environment(monkeypatch):
    import importlib

    from deepmeme_site import settings as site_settings

    monkeypatch.setenv("API_THROTTLE_COMMENT_IP", "7/min")
    monkeypatch.setenv("API_THROTTLE_UPLOAD_USER", "")
    try:
        reloaded = importlib.reload(site_settings)
        assert reloaded.API_THROTTLE_RATES["comment_ip"] == "7/min"
        assert reloaded.API_THROTTLE_RATES["upload_user"] is None  # empty turns it off
    finally:
        monkeypatch.undo()
        importlib.reload(site_settings)
