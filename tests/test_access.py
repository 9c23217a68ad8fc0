"""memes.access, the one home for permissions: every predicate and fetch-and-check helper, for an
anonymous visitor, the owner, another person and a moderator, on public, private, hidden,
unfinished and missing memes; and the web and the API giving the same answers through it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from memes import access
from memes.models import Comment, Meme
from tests.api.conftest import token_client
from tests.factories import make_meme, make_user

pytestmark = pytest.mark.django_db

VIEWERS = ("anonymous", "owner", "other", "moderator")
KINDS = ("public", "private", "hidden", "queued")


def _moderator() -> Any:
    # Staff with the explicit moderation permission: a moderator however can_moderate is defined.
    user = make_user(is_staff=True)
    permission = Permission.objects.filter(codename="moderate_meme", content_type__app_label="memes").first()
    if permission is not None:
        user.user_permissions.add(permission)
        user = type(user).objects.get(pk=user.pk)  # drop the permission cache
    return user


@pytest.fixture
def world() -> dict[str, Any]:
    owner = make_user()
    memes = {
        "public": make_meme(owner),
        "private": make_meme(owner, public=False),
        "hidden": make_meme(owner, is_hidden=True),
        "queued": make_meme(owner, public=False, status=Meme.Status.QUEUED),
    }
    viewers = {"anonymous": AnonymousUser(), "owner": owner, "other": make_user(), "moderator": _moderator()}
    return {"owner": owner, "memes": memes, "viewers": viewers}


# Who may see each kind of meme: the owner and moderators always, others only a public one.
SEES = {
    "anonymous": {"public"},
    "owner": set(KINDS),
    "other": {"public"},
    "moderator": set(KINDS),
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("kind", KINDS)
def test_predicates(world, viewer, kind):
    user, meme = world["viewers"][viewer], world["memes"][kind]
    sees = kind in SEES[viewer]
    assert access.can_view_meme(user, meme) is sees
    assert access.can_edit_meme(user, meme) is (viewer == "owner")
    assert access.can_delete_meme(user, meme) is (viewer in ("owner", "moderator"))
    assert access.can_interact_with_meme(user, meme) is (sees and viewer != "anonymous")
    assert access.can_moderate(user) is (viewer == "moderator")


def test_plain_people_cannot_moderate():
    assert not access.can_moderate(AnonymousUser())
    assert not access.can_moderate(make_user())
    assert not access.can_moderate(None)


# Every fetch-and-check helper: each answers 404 for a meme the user may not see.
FETCH_HELPERS = (
    access.access_meme_for_view,
    access.access_meme_for_edit,
    access.access_meme_for_delete,
    access.access_meme_for_interact,
)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("kind", KINDS)
def test_fetch_and_check_helpers(world, viewer, kind):
    user, meme = world["viewers"][viewer], world["memes"][kind]
    public_id = meme.public_id
    if kind not in SEES[viewer]:
        # Not visible: every helper says 404, exactly as for a missing meme.
        for helper in FETCH_HELPERS:
            with pytest.raises(Http404):
                helper(user=user, public_id=public_id)
        return
    fetched = access.access_meme_for_view(user=user, public_id=public_id)
    assert fetched == meme and hasattr(fetched, "like_count")  # with its counts, for the page
    expectations = {
        access.access_meme_for_edit: viewer == "owner",
        access.access_meme_for_delete: viewer in ("owner", "moderator"),
        access.access_meme_for_interact: viewer != "anonymous",
    }
    for helper, allowed in expectations.items():
        if allowed:
            assert helper(user=user, public_id=public_id) == meme
        else:
            with pytest.raises(PermissionDenied):
                helper(user=user, public_id=public_id)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_missing_and_malformed_ids_are_404(world, viewer):
    user = world["viewers"][viewer]
    for public_id in ("nope", "a\x00b"):
        for helper in FETCH_HELPERS:
            with pytest.raises(Http404):
                helper(user=user, public_id=public_id)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("kind", ["public", "private"])
def test_moderation_access(world, viewer, kind):
    user, meme = world["viewers"][viewer], world["memes"][kind]
    if viewer != "moderator":
        # Refused before anything is looked up: a non-moderator learns nothing about the meme.
        with pytest.raises(PermissionDenied):
            access.access_meme_for_moderation(user=user, public_id=meme.public_id)
        return
    assert access.access_meme_for_moderation(user=user, public_id=meme.public_id) == meme
    with pytest.raises(Http404):
        access.access_meme_for_moderation(user=user, public_id="nope")


def _comment(meme: Meme, author: Any) -> Comment:
    return Comment.objects.create(meme=meme, user=author, text="hi")


@pytest.mark.parametrize("kind", ["public", "private", "hidden"])
def test_comment_delete_rules(world, kind):
    meme, owner, other = world["memes"][kind], world["owner"], world["viewers"]["other"]
    author = make_user()
    comment = _comment(meme, author)
    anonymous, moderator = world["viewers"]["anonymous"], world["viewers"]["moderator"]
    # The yes/no answer: the author, the meme's owner or a moderator.
    assert access.can_delete_comment(author, comment)
    assert access.can_delete_comment(owner, comment)
    assert access.can_delete_comment(moderator, comment)
    assert not access.can_delete_comment(other, comment)
    assert not access.can_delete_comment(anonymous, comment)
    # Fetch and check: visibility of the meme first (404), then the permission (403).
    for user in (owner, moderator):
        assert access.access_comment_for_delete(user=user, comment_id=comment.pk) == comment
    if kind == "public":
        assert access.access_comment_for_delete(user=author, comment_id=comment.pk) == comment
        for user in (other, anonymous):
            with pytest.raises(PermissionDenied):
                access.access_comment_for_delete(user=user, comment_id=comment.pk)
    else:
        # The author too: once the meme is private or hidden, its comments are as missing as it is.
        for user in (author, other, anonymous):
            with pytest.raises(Http404):
                access.access_comment_for_delete(user=user, comment_id=comment.pk)
    for user in (owner, other, anonymous, moderator):
        with pytest.raises(Http404):
            access.access_comment_for_delete(user=user, comment_id=987654)


def test_media_follows_the_meme(world):
    public, private = world["memes"]["public"], world["memes"]["private"]
    other, owner = world["viewers"]["other"], world["owner"]
    assert access.can_view_media(other, public.image.name)
    assert not access.can_view_media(other, private.image.name)
    assert access.can_view_media(owner, private.photo.name)
    assert not access.can_view_media(owner, "memes/ab/unknown.jpg")
    assert not access.can_view_media(owner, "a\x00b")


# --- the web and the API give the same answers -----------------------------------------------


def _web(client: Any, user: Any) -> Any:
    if user is not None:
        client.force_login(user)
    return client


def test_comment_delete_on_a_private_meme_is_404_on_web_and_api_like_a_missing_one(client, world):
    private = world["memes"]["private"]
    stranger = world["viewers"]["other"]
    comment = _comment(private, world["owner"])
    web = _web(client, stranger)
    api = token_client(stranger)
    assert web.post(reverse("memes:comment_delete", args=[comment.pk])).status_code == 404
    assert web.post(reverse("memes:comment_delete", args=[987654])).status_code == 404
    assert api.delete(reverse("api:comment-detail", args=[comment.pk])).status_code == 404
    assert api.delete(reverse("api:comment-detail", args=[987654])).status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_comment_delete_by_a_stranger_is_403_on_web_and_api(client, world):
    public = world["memes"]["public"]
    stranger = world["viewers"]["other"]
    comment = _comment(public, world["owner"])
    assert _web(client, stranger).post(reverse("memes:comment_delete", args=[comment.pk])).status_code == 403
    api = token_client(stranger)
    assert api.delete(reverse("api:comment-detail", args=[comment.pk])).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_a_moderator_may_delete_any_comment_and_the_page_offers_it(client, world):
    public = world["memes"]["public"]
    moderator = world["viewers"]["moderator"]
    kept, gone = _comment(public, world["owner"]), _comment(public, world["owner"])
    page = _web(client, moderator).get(reverse("memes:detail", args=[public.public_id]))
    assert page.content.decode().count("/delete/") >= 2  # a delete button on each comment
    assert client.post(reverse("memes:comment_delete", args=[gone.pk])).status_code == 302
    assert token_client(moderator).delete(reverse("api:comment-detail", args=[kept.pk])).status_code == 204
    assert not Comment.objects.filter(pk__in=[kept.pk, gone.pk]).exists()


def test_the_page_offers_delete_only_on_comments_the_viewer_may_delete(client, world):
    public = world["memes"]["public"]
    stranger = world["viewers"]["other"]
    mine, theirs = _comment(public, stranger), _comment(public, world["owner"])
    page = _web(client, stranger).get(reverse("memes:detail", args=[public.public_id])).content.decode()
    assert reverse("memes:comment_delete", args=[mine.pk]) in page
    assert reverse("memes:comment_delete", args=[theirs.pk]) not in page


@pytest.mark.parametrize("viewer", ["other", "moderator"])
def test_meme_delete_by_others_is_the_same_on_web_and_api(client, world, viewer):
    user = world["viewers"][viewer]
    web_meme, api_meme = make_meme(world["owner"]), make_meme(world["owner"])
    web = _web(client, user).post(reverse("memes:delete", args=[web_meme.public_id]))
    api = token_client(user).delete(reverse("api:meme-detail", args=[api_meme.public_id]))
    if viewer == "moderator":
        assert web.status_code == 302 and api.status_code == 204
        assert not Meme.objects.filter(pk__in=[web_meme.pk, api_meme.pk]).exists()
    else:
        assert web.status_code == 403 and api.status_code == 403
        assert Meme.objects.filter(pk__in=[web_meme.pk, api_meme.pk]).count() == 2


@pytest.mark.parametrize("kind", KINDS)
def test_edit_by_a_stranger_is_the_same_on_web_and_api(client, world, kind):
    meme = world["memes"][kind]
    stranger = world["viewers"]["other"]
    expected = 403 if kind in SEES["other"] else 404
    web = _web(client, stranger).post(reverse("memes:edit", args=[meme.public_id]), {"top_text": "mine"})
    api = token_client(stranger).patch(
        reverse("api:meme-detail", args=[meme.public_id]), {"top_text": "mine"}
    )
    assert (web.status_code, api.status_code) == (expected, expected)
    meme.refresh_from_db()
    assert meme.top_text != "mine"
