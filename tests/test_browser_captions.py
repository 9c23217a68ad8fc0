"""Write another on a phone, in Debian chromium (Playwright): at 360 px with touch, the owner taps
"Write another", the page shows the model's new captions first (marked new, busy while writing),
and tapping one draws the meme with it. A plain function stands in for ml.caption's generator so
the page flow is tested on its own; the real model is in tests/test_realstack_captions.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from memes.models import Caption, Meme
from memes.services.captions import caption_seed
from tests.factories import make_meme, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone_page(browser: Any, live_server: Any, user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def test_write_another_then_tap_one_on_a_phone(browser, live_server, settings, monkeypatch):
    from playwright.sync_api import expect

    import ml.caption

    settings.CAPTIONER_ENABLED = True
    lines = [("when the wifi", "drops mid game"), ("me at 3 am", "still no sleep")]
    monkeypatch.setattr(
        ml.caption,
        "generate_captions",
        lambda *, emotion, topic="", n=1, seed=None: [
            SimpleNamespace(top=t, bottom=b, score=0.0) for t, b in lines
        ],
    )
    caption_seed()  # live_server tests start from flushed tables: put the curated captions back
    user = make_user("phone")
    meme = make_meme(
        user, emotion="sad", top_text="old top", bottom_text="old bottom", caption_source="curated"
    )
    page = _phone_page(browser, live_server, user)
    page.goto(f"{live_server.url}/m/{meme.public_id}/")
    button = page.locator("#write-another")
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    button.tap()
    page.wait_for_url(f"**/m/{meme.public_id}/#captions")
    expect(page.locator(".msg-success")).to_contain_text("2 new captions")
    new = page.locator("#caption-choices button[data-source='model']")
    expect(new).to_have_count(2)
    expect(new.first).to_contain_text("when the wifi / drops mid game")
    assert page.locator("#caption-choices button[data-source='curated']").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    old_src = page.get_attribute("#meme-image", "src")
    new.first.tap()
    expect(page.locator(".msg-success")).to_contain_text("Caption changed")
    assert page.get_attribute("#meme-image", "src") != old_src
    meme.refresh_from_db()
    assert (meme.top_text, meme.bottom_text, meme.caption_source) == (
        "when the wifi",
        "drops mid game",
        Meme.CaptionSource.MODEL,
    )
    assert Caption.objects.get(pk=meme.caption_id).generated_for_id == meme.pk
    # The chosen caption is the meme's now, so it is no longer offered among the others.
    expect(page.locator("#caption-choices button[data-source='model']")).to_have_count(1)
