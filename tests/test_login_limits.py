"""Login limiting (issue 9 §2): the login page, the admin login and the API login share one limiter
(django-axes) per address and per (account, address). Before it, 50 wrong passwords in a row all got
200 and then the right one logged in. Someone else's guesses from another address never lock out a
person who knows their password."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LIMIT = 3  # per (account, address)
ADDRESS_LIMIT = 5  # per address, whatever the accounts
WEB, ADMIN, API = "/accounts/login/", "/admin/login/", "/api/v1/auth/login/"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = ADDRESS_LIMIT


@pytest.fixture
def person(db) -> Any:
    return make_user("person", is_staff=True)  # staff, so the admin login can succeed too


def attempt(client, url: str, ip: str, password: str, username: str = "person"):
    data = {"username": username, "password": password}
    if url == API:
        return client.post(url, data, content_type="application/json", REMOTE_ADDR=ip)
    return client.post(url, data, REMOTE_ADDR=ip)


def logged_in(response, url: str) -> bool:
    if url == API:
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


@pytest.mark.parametrize("url", [WEB, ADMIN, API])
def test_wrong_passwords_lock_the_address_then_even_the_right_one_is_refused(client, person, url):
    for _ in range(LIMIT - 1):
        assert attempt(client, url, "10.1.0.1", "wrong").status_code in (200, 400)
    response = attempt(client, url, "10.1.0.1", "wrong")
    assert response.status_code == 429
    response = attempt(client, url, "10.1.0.1", PASSWORD)
    assert response.status_code == 429 and not logged_in(response, url)
    assert int(response["Retry-After"]) > 0
    if url == API:
        error = response.json()["error"]
        assert error["code"] == "throttled" and "Too many failed logins" in error["message"]
    else:
        assert "text/html" in response["Content-Type"]
        assert b"Too many failed logins" in response.content


@pytest.mark.parametrize("url", [WEB, ADMIN, API])
def test_guesses_from_elsewhere_do_not_lock_out_the_owner(client, person, url):
    for _ in range(LIMIT + 2):
        attempt(client, url, "10.2.0.66", "wrong")
    assert logged_in(attempt(client, url, "10.2.0.7", PASSWORD), url)


def test_one_address_guessing_many_accounts_is_locked(client, db):
    names = [f"a{i}" for i in range(ADDRESS_LIMIT + 1)]
    for name in names:
        make_user(name)
    for name in names[:ADDRESS_LIMIT]:  # one wrong guess at each account
        attempt(client, WEB, "10.3.0.1", "wrong", username=name)
    assert attempt(client, WEB, "10.3.0.1", PASSWORD, username=names[-1]).status_code == 429
    assert logged_in(attempt(client, WEB, "10.3.0.2", PASSWORD, username=names[-1]), WEB)


def test_one_persons_guesses_do_not_lock_others_at_the_same_address(client, person):
    """An office or a carrier's NAT: one account locked from the address, the others still log in."""
    make_user("colleague")
    for _ in range(LIMIT):
        attempt(client, WEB, "10.3.1.1", "wrong")
    assert attempt(client, WEB, "10.3.1.1", PASSWORD).status_code == 429
    assert logged_in(attempt(client, WEB, "10.3.1.1", PASSWORD, username="colleague"), WEB)


def test_the_login_page_admin_and_api_share_one_count(client, person):
    attempt(client, WEB, "10.4.0.1", "wrong")
    attempt(client, ADMIN, "10.4.0.1", "wrong")
    assert attempt(client, API, "10.4.0.1", "wrong").status_code == 429


def test_x_forwarded_for_cannot_dodge_the_lock(client, person):
    for i in range(LIMIT):
        client.post(
            WEB,
            {"username": "person", "password": "x"},
            REMOTE_ADDR="10.5.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    response = client.post(
        WEB,
        {"username": "person", "password": PASSWORD},
        REMOTE_ADDR="10.5.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


def test_the_lock_holds_while_redis_is_down(client, person, settings):
    """Failures are counted in the database (axes' database handler), not the cache: with the cache
    on a Redis that is down (django-redis ignoring the outage, as in production) the limit holds,
    and the owner still logs in from another address."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    for _ in range(LIMIT):
        attempt(client, WEB, "10.6.0.1", "wrong")
    assert attempt(client, WEB, "10.6.0.1", PASSWORD).status_code == 429
    assert attempt(client, API, "10.6.0.1", PASSWORD).status_code == 429
    assert logged_in(attempt(client, WEB, "10.6.0.2", PASSWORD), WEB)
