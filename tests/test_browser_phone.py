"""Every page on a 360 px phone, signed in and out: nothing scrolls sideways, whatever people typed.

Debian chromium driven by Playwright (see tests/test_browser.py). The pages carry the longest
things people can write: a 600-character comment with no space in it, a topic and texts of one
long word, a long username, so a missing `overflow-wrap` anywhere shows up as a wider page.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from memes.models import Comment
from tests.factories import PASSWORD, make_meme, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}

NOT_FOUND = ("/no/such/page/", "/m/nosuchmeme/")  # the site's own 404 page, not a bare one
LONG_NAME = "averyveryverylongusernamewithoutanybreaks_" + "z" * 20  # 62 characters, one word


@pytest.fixture
def site(live_server: Any) -> dict[str, Any]:
    """A signed-in person with a long name, a public meme full of long words, and a long comment."""
    owner = make_user(LONG_NAME)
    meme = make_meme(
        owner,
        public=True,
        top_text="W" * 200,
        bottom_text="supercalifragilistic" * 10,
        topic="t" * 60,
        emotion="happy",
    )
    # 600 characters: over the form's limit, so written directly, as an older row or an import could be.
    Comment.objects.create(meme=meme, user=owner, text="x" * 600)
    Comment.objects.create(meme=meme, user=make_user(), text="https://example.com/" + "a" * 300)
    return {"url": live_server.url, "owner": owner, "meme": meme}


def _pages(site: dict[str, Any], *, signed_in: bool) -> list[str]:
    meme, owner = site["meme"], site["owner"]
    pages = [
        "/",
        "/?order=top",
        f"/u/{owner.username}/",
        f"/m/{meme.public_id}/",
        "/accounts/password_reset/",
        *NOT_FOUND,
    ]
    if signed_in:
        pages += ["/upload/", "/accounts/password_change/", "/accounts/delete/", "/accounts/profile/"]
    else:
        pages += ["/accounts/login/", "/accounts/signup/", "/upload/"]  # upload: the login page
    return pages


def _sign_in(page: Any, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", LONG_NAME)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".menu summary").count() == 1, "sign-in failed"


def _overflow(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const limit = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
          return {scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth, wide};
        }"""
    )


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_no_page_scrolls_sideways_at_360px(browser: Any, site: dict[str, Any], signed_in: bool) -> None:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    if signed_in:
        _sign_in(page, site["url"])
    failures = []
    for path in _pages(site, signed_in=signed_in):
        status = page.goto(site["url"] + path).status
        result = _overflow(page)
        expected = 404 if path in NOT_FOUND else 200
        if status != expected or result["scroll"] > PHONE["width"] or result["body"] > PHONE["width"]:
            failures.append((path, status, result))
    context.close()
    assert not failures, failures


def test_the_signed_in_header_fits_one_row_at_390px(browser: Any, site: dict[str, Any]) -> None:
    # The reported phone: "+ Make a meme" wrapped over three lines and ran over the logo.
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    _sign_in(page, site["url"])
    page.goto(site["url"] + "/")
    make = page.locator(".topbar a[href='/upload/']").bounding_box()
    brand = page.locator(".topbar .brand").bounding_box()
    bar = page.locator(".topbar").bounding_box()
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector(\".topbar a[href='/upload/']\")).lineHeight)"
    )
    assert make["height"] < 2 * line + 16, make  # one line of text (plus its padding)
    assert make["y"] >= bar["y"] and make["y"] + make["height"] <= bar["y"] + bar["height"]
    assert brand["x"] + brand["width"] <= make["x"], (brand, make)  # side by side, no overlap
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if shot := os.environ.get("DEEPMEME_PHONE_SCREENSHOT"):  # a picture for people to look at
        page.goto(f"{site['url']}/m/{site['meme'].public_id}/")
        page.screenshot(path=shot, full_page=True)
    context.close()


def test_a_600_character_word_wraps_in_the_comment(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{site['url']}/m/{site['meme'].public_id}/")
    comment = page.locator(".comments li", has_text="xxxxxxxxxx").first.bounding_box()
    assert comment["width"] <= PHONE["width"] and comment["height"] > 100  # wrapped onto many lines
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
