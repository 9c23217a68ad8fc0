"""One permission table, checked against the web pages AND the API with the same expectations
(issue 9: "the permission matrix test covers web and API with the same expectations").

Each cell is what an actor gets for an action on a meme in a state. Outcomes are compared after
mapping each surface's way of saying it: OK (2xx, or the web's redirect after a write), SIGN_IN
(API 401 / web redirect to the login page), DENIED (403; the admin sends a signed-in person who
may not use it to its login page) and NOT_FOUND (404: a meme you may not see looks missing). An
OK must also have its effect, and every other outcome must leave the data unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from memes.models import Comment, Like, Meme
from tests.factories import make_meme, make_user

pytestmark = pytest.mark.django_db

OK, SIGN_IN, DENIED, NOT_FOUND = "ok", "sign_in", "denied", "not_found"
ACTORS = ("anonymous", "owner", "other", "staff", "moderator")
STATES = ("public", "private", "hidden")
ALL_OK = (OK, OK, OK)
ALL_SIGN_IN = (SIGN_IN, SIGN_IN, SIGN_IN)
ALL_DENIED = (DENIED, DENIED, DENIED)
SEEN_IF_PUBLIC = (OK, NOT_FOUND, NOT_FOUND)  # strangers see public memes; others are "missing"
DENIED_IF_SEEN = (DENIED, NOT_FOUND, NOT_FOUND)  # strangers may see, not change

# action -> actor -> outcome for (public, private, hidden). "staff" has is_staff and no permission
# at all: exactly what a stranger gets. "moderator" holds memes.moderate_meme.
MATRIX: dict[str, dict[str, tuple[str, str, str]]] = {
    "view": {
        "anonymous": SEEN_IF_PUBLIC,
        "owner": ALL_OK,
        "other": SEEN_IF_PUBLIC,
        "staff": SEEN_IF_PUBLIC,
        "moderator": ALL_OK,
    },
    "edit": {
        "anonymous": ALL_SIGN_IN,
        "owner": ALL_OK,
        "other": DENIED_IF_SEEN,
        "staff": DENIED_IF_SEEN,
        "moderator": ALL_DENIED,  # moderators hide and delete; they don't rewrite people's memes
    },
    "delete": {
        "anonymous": ALL_SIGN_IN,
        "owner": ALL_OK,
        "other": DENIED_IF_SEEN,
        "staff": DENIED_IF_SEEN,
        "moderator": ALL_OK,
    },
    "like": {
        "anonymous": ALL_SIGN_IN,
        "owner": ALL_OK,
        "other": SEEN_IF_PUBLIC,
        "staff": SEEN_IF_PUBLIC,
        "moderator": ALL_OK,
    },
    "comment": {
        "anonymous": ALL_SIGN_IN,
        "owner": ALL_OK,
        "other": SEEN_IF_PUBLIC,
        "staff": SEEN_IF_PUBLIC,
        "moderator": ALL_OK,
    },
    # A comment written by a third person on the meme.
    "delete_comment": {
        "anonymous": ALL_SIGN_IN,
        "owner": ALL_OK,  # the meme's owner may remove comments on it
        "other": DENIED_IF_SEEN,
        "staff": DENIED_IF_SEEN,
        "moderator": ALL_OK,
    },
    # Hide a visible meme, unhide a hidden one: web through the admin action, API through hide/unhide.
    "moderate": {
        "anonymous": ALL_SIGN_IN,
        "owner": ALL_DENIED,
        "other": ALL_DENIED,
        "staff": ALL_DENIED,
        "moderator": ALL_OK,
    },
}

CASES = [
    (action, actor, state, expected)
    for action, row in MATRIX.items()
    for actor in ACTORS
    for state, expected in zip(STATES, row[actor], strict=True)
]


@dataclass
class World:
    meme: Meme
    comment: Comment
    actor: Any  # None for anonymous


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.API_THROTTLE_RATES = {scope: "100000/min" for scope in django_settings.API_THROTTLE_RATES}


def build(actor_kind: str, state: str) -> World:
    owner = make_user()
    meme = make_meme(owner, public=state != "private", is_hidden=state == "hidden")
    comment = Comment.objects.create(meme=meme, user=make_user(), text="a third person's comment")
    actor: Any = None
    if actor_kind == "owner":
        actor = owner
    elif actor_kind == "other":
        actor = make_user()
    elif actor_kind == "staff":
        actor = make_user(is_staff=True)
    elif actor_kind == "moderator":
        actor = make_user(is_staff=True)
        for codename in ("moderate_meme", "view_meme"):  # view_meme: to open the admin's list
            actor.user_permissions.add(
                Permission.objects.get(content_type__app_label="memes", codename=codename)
            )
    return World(meme=meme, comment=comment, actor=actor)


# --- the two surfaces -------------------------------------------------------------------------------


def web_request(world: World, action: str) -> Any:
    client = Client()
    if world.actor is not None:
        client.force_login(world.actor)
    pid = world.meme.public_id
    return {
        "view": lambda: client.get(f"/m/{pid}/"),
        "edit": lambda: client.post(f"/m/{pid}/edit/", {"top_text": "CHANGED"}),
        "delete": lambda: client.post(f"/m/{pid}/delete/"),
        "like": lambda: client.post(f"/m/{pid}/like/"),
        "comment": lambda: client.post(f"/m/{pid}/comments/", {"text": "matrix comment"}),
        "delete_comment": lambda: client.post(f"/comments/{world.comment.pk}/delete/"),
        "moderate": lambda: client.post(
            "/admin/memes/meme/",
            {"action": "unhide" if world.meme.is_hidden else "hide", "_selected_action": [world.meme.pk]},
        ),
    }[action]()


def web_outcome(response: Any, world: World) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if "/accounts/login/" in location or "/admin/login/" in location:
            return SIGN_IN if world.actor is None else DENIED
        return OK
    return {200: OK, 403: DENIED, 404: NOT_FOUND}.get(response.status_code, f"HTTP {response.status_code}")


def api_request(world: World, action: str) -> Any:
    client = APIClient()
    if world.actor is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=world.actor)}")
    base = f"/api/v1/memes/{world.meme.public_id}/"
    return {
        "view": lambda: client.get(base),
        "edit": lambda: client.patch(base, {"top_text": "CHANGED"}, format="json"),
        "delete": lambda: client.delete(base),
        "like": lambda: client.put(f"{base}like/"),
        "comment": lambda: client.post(f"{base}comments/", {"text": "matrix comment"}, format="json"),
        "delete_comment": lambda: client.delete(f"/api/v1/comments/{world.comment.pk}/"),
        "moderate": lambda: client.post(f"{base}{'unhide' if world.meme.is_hidden else 'hide'}/"),
    }[action]()


def api_outcome(response: Any, world: World) -> str:
    if 200 <= response.status_code < 300:
        return OK
    return {401: SIGN_IN, 403: DENIED, 404: NOT_FOUND}.get(
        response.status_code, f"HTTP {response.status_code}"
    )


def effect_happened(world: World, action: str) -> bool | None:
    """Whether the action changed the data (None: a read, nothing to check)."""
    meme = Meme.objects.filter(pk=world.meme.pk).first()
    return {
        "view": lambda: None,
        "edit": lambda: meme.top_text == "CHANGED",
        "delete": lambda: meme is None,
        "like": lambda: Like.objects.filter(meme=world.meme).exists(),
        "comment": lambda: Comment.objects.filter(meme=world.meme, text="matrix comment").exists(),
        "delete_comment": lambda: not Comment.objects.filter(pk=world.comment.pk).exists(),
        "moderate": lambda: meme.is_hidden != world.meme.is_hidden,
    }[action]()


@pytest.mark.parametrize("surface", ["web", "api"])
@pytest.mark.parametrize(("action", "actor", "state", "expected"), CASES)
def test_permission_matrix(surface: str, action: str, actor: str, state: str, expected: str) -> None:
    world = build(actor, state)
    if surface == "web":
        outcome = web_outcome(web_request(world, action), world)
    else:
        outcome = api_outcome(api_request(world, action), world)
    assert outcome == expected, f"{surface}: {actor} {action} on a {state} meme"
    happened = effect_happened(world, action)
    if happened is not None:
        assert happened is (expected == OK), f"{surface}: {actor} {action} on a {state} meme changed data"


def test_the_matrix_covers_every_actor_and_state() -> None:
    for action, row in MATRIX.items():
        assert set(row) == set(ACTORS), action
        assert all(len(cells) == len(STATES) for cells in row.values()), action
