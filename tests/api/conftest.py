"""API test helpers: DRF clients signed in with a real token, and generous throttle rates (the
throttle tests set their own)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _generous_throttles(settings):
    settings.API_THROTTLE_RATES = {scope: "100000/min" for scope in django_settings.API_THROTTLE_RATES}


def token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def owner(db) -> Any:
    return make_user("owner")


@pytest.fixture
def other(db) -> Any:
    return make_user("other")


@pytest.fixture
def staff(db) -> Any:
    """A moderator: moderation is the memes.moderate_meme permission, not is_staff alone."""
    from django.contrib.auth.models import Permission

    user = make_user("moderator", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="memes", codename="moderate_meme")
    )
    return user


@pytest.fixture
def owner_api(owner) -> APIClient:
    return token_client(owner)


@pytest.fixture
def other_api(other) -> APIClient:
    return token_client(other)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return token_client(staff)


def assert_error(response: Any, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The one error shape: {"error": {"code", "message", "fields"}} with a readable message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and len(error["message"]) > 5
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert field in error["fields"] and error["fields"][field], error
    return error
