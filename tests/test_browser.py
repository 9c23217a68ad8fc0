"""Debian chromium driven by Playwright: sign up, upload a face, watch it get made by the real
worker, edit the caption, publish, find it on the feed, like it."""

import os
import re

import pytest

from tests.factories import PASSWORD, face_photo_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realstack,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_sign_up_upload_edit_publish_like(browser, live_server, real_worker, tmp_path):
    from playwright.sync_api import expect

    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(face_photo_bytes())
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)

    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("#id_username", "astro")
    page.fill("#id_email", "astro@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/upload/$"))

    page.set_input_files("#id_photo", str(photo))
    expect(page.locator("#drop-preview")).to_be_visible()
    page.fill("#id_topic", "space")
    page.click("#upload-submit")
    expect(page).to_have_url(re.compile(r"/m/[\w-]+/$"))
    # The page polls the status JSON and puts the meme in once the worker is done (attached, not
    # visible: for its owner the editor's canvas draws over the image as soon as it is ready).
    page.wait_for_selector("#meme-image, #failure-reason", state="attached", timeout=240_000)
    assert page.locator("#failure-reason").count() == 0, page.locator("#failure-reason").inner_text()
    expect(page.locator(".facebox")).to_have_count(1, timeout=5_000)
    expect(page.locator(".bar-row")).to_have_count(7)
    old_src = page.get_attribute("#meme-image", "src")

    # The editor (static/js/editor.js; tests/test_browser_editor.py covers it in depth).
    page.wait_for_selector("#editor[data-ready='1']")
    page.fill("#box-0-text", "Houston we have")
    page.fill("#box-1-text", "a meme")
    page.click("#save-edit")
    expect(page.locator(".msg-success")).to_contain_text("Meme updated")
    assert page.get_attribute("#meme-image", "src") != old_src
    expect(page.locator("#box-0-text")).to_have_value("Houston we have")

    page.click("#publish")
    expect(page.locator(".msg-success")).to_contain_text("Published")
    meme_url = page.url
    if shot := os.environ.get("DEEPMEME_SCREENSHOT"):
        page.evaluate("document.querySelectorAll('.messages').forEach(e => e.remove())")
        page.screenshot(path=shot, full_page=True, type="jpeg", quality=85)

    page.goto(f"{live_server.url}/")
    card = page.locator(f".card a[href='{meme_url.replace(live_server.url, '')}']").first
    expect(card).to_be_visible()
    card.click()
    expect(page.locator("#like-count")).to_have_text("0")
    page.click("#like-button")
    expect(page.locator("#like-count")).to_have_text("1")
    expect(page.locator("#like-button")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("#like-count")).to_have_text("1")

    download = page.locator("#download")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.startswith("deepmeme-")
