"""An animated upload end to end in Debian chromium (Playwright): a GIF of a face goes through the
upload page and the real Celery worker (real face analysis on its key frame), and comes back an
animated meme on its page, on the feed and as the download."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.factories import PASSWORD, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realstack,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
DURATIONS = [120, 120, 120, 120, 120, 400]


def astronaut_gif() -> bytes:
    """Six frames of the astronaut (a real face) panning slowly, as an animated GIF."""
    from skimage import data

    photo = Image.fromarray(data.astronaut())
    frames = [photo.crop((8 * i, 0, 8 * i + 400, 400)).resize((320, 320)) for i in range(len(DURATIONS))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=DURATIONS, loop=0)
    return out.getvalue()


def _frames(data: bytes) -> tuple[int, list[int], str]:
    image = Image.open(io.BytesIO(data))
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        image.load()
        durations.append(image.info.get("duration"))
    return image.n_frames, durations, image.format


def test_an_animated_upload(browser: Any, live_server: Any, real_worker: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    make_user("gifmaker")
    clip = tmp_path / "astronaut.gif"
    clip.write_bytes(astronaut_gif())
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "gifmaker")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")

    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#id_photo", str(clip))
    page.click("#upload-submit")
    expect(page).to_have_url(re.compile(r"/m/[\w-]+/$"))
    # attached, not visible: for the owner the editor shows the meme (see below)
    page.wait_for_selector("#meme-image, #failure-reason", state="attached", timeout=240_000)
    assert page.locator("#failure-reason").count() == 0, page.locator("#failure-reason").inner_text()
    expect(page.locator(".facebox")).to_have_count(1, timeout=5_000)  # the face, read on a key frame

    # The page's <img> points at an animated file: every frame, with its timing.
    src = page.get_attribute("#meme-image", "src")
    served = page.request.get(live_server.url + src if src.startswith("/") else src)
    assert served.ok and served.headers["content-type"] == "image/webp"
    assert _frames(served.body()) == (len(DURATIONS), DURATIONS, "WEBP")
    # ... and the browser really plays it: the picture changes while we watch (for the owner the
    # editor shows it: the animated photo with the live text preview drawn over it).
    shots = []
    for _ in range(4):
        shots.append(page.locator("#editor").screenshot())
        page.wait_for_timeout(250)
    assert len(set(shots)) > 1, "the meme on the page does not move"
    if shot := os.environ.get("DEEPMEME_ANIMATED_SCREENSHOT"):  # a picture for people to look at
        page.screenshot(path=shot, full_page=True)

    # The download keeps the animation.
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename.endswith(".webp")
    assert _frames(Path(download.path()).read_bytes())[0] == len(DURATIONS)

    # Published, its feed card's thumbnail is animated too.
    page.click("#publish")
    meme_path = page.url.replace(live_server.url, "")
    page.goto(f"{live_server.url}/")
    thumb = page.locator(f".card a[href='{meme_path}'] img")
    expect(thumb).to_be_visible()
    thumb_src = thumb.get_attribute("src")
    served = page.request.get(live_server.url + thumb_src if thumb_src.startswith("/") else thumb_src)
    assert _frames(served.body())[0] == len(DURATIONS)
