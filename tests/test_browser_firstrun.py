"""Browser checks for the first run and its rough edges (Debian chromium through Playwright, see
tests/test_browser.py): the meme page ticks off each stage while the job runs, and the admin's
"Add caption" button sits clear of the caption balance table."""

from __future__ import annotations

import json
from typing import Any

import pytest

from memes.models import Meme
from tests.factories import PASSWORD, make_caption, make_meme, make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_meme_page_ticks_off_each_stage_as_the_status_reports_it(browser, live_server):
    """The status JSON is answered by the test (route), one stage per poll, so every step is seen
    whatever the machine's speed; the real worker's stages are checked in tests/test_firstrun.py."""
    from playwright.sync_api import expect

    owner = make_user()
    meme = make_meme(owner, status=Meme.Status.QUEUED, stage="Waiting for a worker")
    stages = iter(["Opening the photo", "Finding faces", "Reading facial expressions", "Writing a caption"])
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(15_000)
    _log_in(page, live_server.url, owner.username)

    def answer(route: Any) -> None:
        stage = next(stages, "Writing a caption")  # stays there: the page must not reload
        body = {"id": meme.public_id, "status": "processing", "stage": stage, "finished": False}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/status.json", answer)
    page.goto(f"{live_server.url}/m/{meme.public_id}/")
    steps = page.locator("#progress-steps li")
    expect(steps).to_have_count(4)
    expect(page.locator("#progress-steps li.current")).to_have_text("Writing a caption")
    assert page.locator("#progress-steps li.done").all_inner_texts() == [
        "Finding faces",
        "Reading facial expressions",
    ]
    expect(page.locator("#progress-steps li.current")).to_have_attribute("aria-current", "step")
    expect(page.locator("#stage")).to_have_text("Writing a caption")
    page.close()


def test_admin_add_caption_button_does_not_cover_the_balance_table(browser, live_server):
    make_user("curator", is_staff=True, is_superuser=True)
    for emotion in ("happy", "sad", "neutral"):
        make_caption(f"{emotion} top | bottom", emotion=emotion)
    for width in (1280, 900):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/admin/login/?next=/admin/memes/caption/")
        page.fill("#id_username", "curator")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#emotion-balance")
        button = page.locator(".object-tools a.addlink").bounding_box()
        table = page.locator("#emotion-balance").bounding_box()
        assert button and table
        overlap_x = button["x"] < table["x"] + table["width"] and table["x"] < button["x"] + button["width"]
        overlap_y = button["y"] < table["y"] + table["height"] and table["y"] < button["y"] + button["height"]
        assert not (overlap_x and overlap_y), f"at {width} px the button {button} covers the table {table}"
        page.close()
