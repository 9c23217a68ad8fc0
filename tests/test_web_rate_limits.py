"""The web forms get the API's scoped rates from the same settings and the same counters
(apikit.throttles): before, 73 uploads went through in 7 s and 15 reset mails reached one victim."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core import mail

from tests.api.conftest import assert_error, token_client
from tests.factories import PASSWORD, make_meme, make_user

pytestmark = pytest.mark.django_db


def assert_web_429(response) -> None:
    assert response.status_code == 429
    assert "text/html" in response["Content-Type"]
    assert b"Too many requests. Try again in" in response.content
    assert int(response["Retry-After"]) > 0


def test_web_uploads_share_the_api_upload_limit(client, rates):
    rates(upload_user="3/hour")
    person = make_user()
    client.force_login(person)
    bad = {"photo": "not a file"}  # counted like the API counts: every attempt
    assert client.post("/upload/", bad).status_code == 400
    assert token_client(person).post("/api/v1/memes/", bad, format="multipart").status_code == 400
    assert client.post("/upload/", bad).status_code == 400
    assert_web_429(client.post("/upload/", bad))
    assert_error(token_client(person).post("/api/v1/memes/", bad, format="multipart"), 429, "throttled")
    assert client.get("/upload/").status_code == 200  # reading the form is never limited


def test_web_uploads_are_limited_per_address_too(client, rates):
    rates(upload_ip="2/hour")
    for _ in range(2):
        client.force_login(make_user())
        assert client.post("/upload/", {}, REMOTE_ADDR="10.9.0.1").status_code == 400
    client.force_login(make_user())
    assert_web_429(client.post("/upload/", {}, REMOTE_ADDR="10.9.0.1"))
    assert client.post("/upload/", {}, REMOTE_ADDR="10.9.0.2").status_code == 400


def test_web_comments_are_limited(client, rates):
    rates(comment_user="2/min")
    meme = make_meme()
    client.force_login(make_user())
    url = f"/m/{meme.public_id}/comments/"
    for _ in range(2):
        assert client.post(url, {"text": "hi"}).status_code == 302
    assert_web_429(client.post(url, {"text": "hi"}))
    assert meme.comments.count() == 2


def test_web_signup_is_limited_per_address(client, rates):
    rates(signup_ip="2/hour")
    for i in range(2):
        data = {
            "username": f"n{i}",
            "email": f"n{i}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        assert client.post("/accounts/signup/", data, REMOTE_ADDR="10.9.1.1").status_code == 302
        client.logout()
    data = {"username": "n9", "email": "n9@example.com", "password1": PASSWORD, "password2": PASSWORD}
    assert_web_429(client.post("/accounts/signup/", data, REMOTE_ADDR="10.9.1.1"))


def test_web_password_reset_cannot_flood_a_victims_inbox(client, rates):
    rates(password_reset_ip="3/hour")
    victim = make_user()
    for _ in range(3):
        assert client.post("/accounts/password_reset/", {"email": victim.email}).status_code == 302
    for _ in range(12):
        assert_web_429(client.post("/accounts/password_reset/", {"email": victim.email}))
    assert len(mail.outbox) == 3
    assert client.get("/accounts/password_reset/").status_code == 200


def test_the_web_limits_fail_open_while_redis_is_down(client, settings):
    """The counters live in the cache: with Redis down (django-redis ignoring the outage, as in
    production) a comment still goes through instead of a 500."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    settings.API_THROTTLE_RATES = {scope: "1/hour" for scope in django_settings.API_THROTTLE_RATES}
    meme = make_meme()
    client.force_login(make_user())
    for _ in range(2):
        assert client.post(f"/m/{meme.public_id}/comments/", {"text": "hi"}).status_code == 302
    assert meme.comments.count() == 2
