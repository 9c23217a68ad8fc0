"""Issue 8 §3's rough edges: each test failed before its fix."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from memes.models import Meme
from tests.factories import make_meme, make_user

pytestmark = pytest.mark.django_db


def test_retry_says_trying_again_while_it_runs_but_not_on_the_finished_meme(
    user_client, user, fake_analysis, django_capture_on_commit_callbacks
):
    meme = make_meme(user, status=Meme.Status.FAILED, failure_reason="Something went wrong.")
    retry = reverse("memes:retry", args=[meme.public_id])
    # Jobs run in-process here (as with a fast worker): the meme is ready when the page loads.
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(retry)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.READY
    page = user_client.get(response["Location"]).content.decode()
    assert 'id="meme-image"' in page
    assert "Trying again" not in page


def test_a_retried_meme_in_progress_says_trying_again(user_client, user):
    meme = make_meme(user, status=Meme.Status.QUEUED, stage="Waiting for a worker")
    Meme.objects.filter(pk=meme.pk).update(attempt=2)
    page = user_client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    assert "Trying again…" in page
    first = make_meme(user, status=Meme.Status.QUEUED, stage="Waiting for a worker")
    page = user_client.get(reverse("memes:detail", args=[first.public_id])).content.decode()
    assert "Making your meme…" in page and "Trying again" not in page


def test_progress_page_lists_the_stages(user_client, user):
    meme = make_meme(user, status=Meme.Status.PROCESSING, stage="Writing a caption")
    page = user_client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    steps = re.findall(r'<li data-stage="([^"]+)"', page)
    assert steps == ["Finding faces", "Reading facial expressions", "Writing a caption", "Drawing the meme"]


def test_a_failed_card_says_it_failed_not_that_it_is_working(user_client, user):
    make_meme(user, status=Meme.Status.FAILED, failure_reason="Something went wrong.")
    page = user_client.get(reverse("memes:gallery", args=[user.username])).content.decode()
    assert "Couldn't make this meme" in page and "Open it to try again" in page
    assert "Failed…" not in page


def test_upload_when_logged_out_says_why_on_the_login_page(client):
    response = client.get(reverse("memes:upload"), follow=True)
    assert response.redirect_chain and "/accounts/login/" in response.redirect_chain[-1][0]
    page = response.content.decode()
    assert 'id="login-reason"' in page and "Log in to make a meme." in page
    # Any other page that needs an account says so too; the plain login page says nothing extra.
    other = client.get(reverse("login") + "?next=/accounts/profile/").content.decode()
    assert "that page needs an account" in other
    assert 'id="login-reason"' not in client.get(reverse("login")).content.decode()


def test_unknown_meme_with_debug_on_shows_the_sites_404_page(client, settings):
    settings.DEBUG = True  # as under `make run`
    response = client.get(reverse("memes:detail", args=["no-such-meme"]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Nothing here" in page and "Back to the feed" in page
    assert "URLconf" not in page and "technical" not in page.lower()
    # A private meme is the same 404 (ids cannot be probed), and the status JSON too.
    private = make_meme(make_user(), public=False)
    assert "Nothing here" in client.get(reverse("memes:detail", args=[private.public_id])).content.decode()


def test_unknown_meme_without_debug_shows_the_same_page(client, settings):
    settings.DEBUG = False
    response = client.get(reverse("memes:detail", args=["no-such-meme"]))
    assert response.status_code == 404 and "Nothing here" in response.content.decode()


def test_api_404_stays_json(client, settings):
    settings.DEBUG = True
    response = client.get("/api/v1/memes/nosuchmeme/", HTTP_AUTHORIZATION="Token nope")
    assert response["Content-Type"].startswith("application/json")


# --- feed counts after your own like or comment ---------------------------------------------------


def _card_counts(page: str, meme: Meme) -> tuple[int, int]:
    """(likes, comments) on the feed card of `meme`."""
    card = page[page.index(reverse("memes:detail", args=[meme.public_id])) :]
    likes = int(re.search(r'title="likes">♥ (\d+)<', card).group(1))
    comments = int(re.search(r"<span>(\d+) comments?</span>", card).group(1))
    return likes, comments


def test_your_own_like_and_comment_show_on_the_cached_feed_at_once(client, settings):
    settings.FEED_CACHE_SECONDS = 60  # long enough that only the fix can explain a fresh count
    meme = make_meme(make_user(), public=True)
    fan, other = make_user(), make_user()
    client.force_login(other)
    assert _card_counts(client.get("/").content.decode(), meme) == (0, 0)  # the shared grid is cached

    client.force_login(fan)
    assert _card_counts(client.get("/").content.decode(), meme) == (0, 0)
    client.post(reverse("memes:like", args=[meme.public_id]))
    assert _card_counts(client.get("/").content.decode(), meme) == (1, 0)
    client.post(reverse("memes:comment", args=[meme.public_id]), {"text": "ha"})
    assert _card_counts(client.get("/").content.decode(), meme) == (1, 1)


def test_your_own_like_shows_on_the_cached_api_feed_at_once(client, settings):
    from rest_framework.authtoken.models import Token

    settings.FEED_CACHE_SECONDS = 60
    meme = make_meme(make_user(), public=True)
    fan = make_user()
    auth = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=fan).key}"}

    def like_count() -> int:
        results = client.get("/api/v1/feed/", **auth).json()["results"]
        return next(card["like_count"] for card in results if card["id"] == meme.public_id)

    assert like_count() == 0
    assert client.put(f"/api/v1/memes/{meme.public_id}/like/", **auth).status_code in (200, 204)
    assert like_count() == 1
