"""The meme editor in Debian chromium (Playwright): the canvas preview draws what the server draws,
boxes move by mouse and by touch, boxes are added, the preview changes before saving, and the
image the server saves after Save matches the preview."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from ml import render
from ml.layout import TextBox, classic_boxes

pytestmark = [pytest.mark.browser]
ROOT = Path(__file__).resolve().parent.parent


def _decode(data_url_or_bytes: str | bytes) -> np.ndarray:
    data = data_url_or_bytes
    if isinstance(data, str):
        data = base64.b64decode(data.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _text_mask(image: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Where text was drawn: pixels far from the clean photo."""
    return np.abs(image - photo).sum(axis=2) > 90


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    assert len(xs), "no text drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _small(image: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(image.astype(np.uint8)).resize((80, 60), Image.Resampling.BOX)).astype(
        int
    )


# --- the preview is the server's renderer, ported -----------------------------------------------

PARITY_BOXES = [
    TextBox("When the code works on the first try", x=0.03, y=0.03, width=0.94, height=0.37, valign="top"),
    TextBox("and nobody saw it", x=0.03, y=0.6, width=0.94, height=0.37, valign="bottom", size=150),
    TextBox("left aligned, as typed", x=0.05, y=0.42, width=0.4, height=0.15, align="left", case="none"),
    TextBox(
        "RIGHT", x=0.55, y=0.42, width=0.4, height=0.15, align="right", color="#ff0000", outline_width=15
    ),
    TextBox("Supercalifragilisticexpialidocious" * 2, x=0.6, y=0.1, width=0.2, height=0.3, case="lower"),
    TextBox("no outline", x=0.1, y=0.8, width=0.3, height=0.1, outline_width=0, color="#00ff00"),
]


@pytest.fixture
def static_page(browser):
    """A page with editor.js and the font, served from the repository by Playwright itself."""
    files = {
        "/editor.js": (ROOT / "static/js/editor.js", "text/javascript"),
        "/font.otf": (ROOT / "ml/fonts/BebasNeue-Bold.otf", "font/otf"),
    }
    html = (
        "<!doctype html><style>@font-face{font-family:MemeFont;src:url(/font.otf)}</style>"
        "<script src='/editor.js'></script><body></body>"
    )

    def serve(route: Any) -> None:
        path = "/" + route.request.url.split("/", 3)[3]
        if path in files:
            source, kind = files[path]
            route.fulfill(body=source.read_bytes(), content_type=kind)
        else:
            route.fulfill(body=html, content_type="text/html")

    page = browser.new_page()
    page.route("http://editor.test/**", serve)
    page.goto("http://editor.test/")
    page.evaluate("document.fonts.load('64px MemeFont')")
    yield page
    page.close()


@pytest.mark.parametrize("size", [(800, 600), (512, 512), (360, 640)])
def test_preview_lays_out_every_line_like_the_server(static_page, size):
    width, height = size
    boxes = [box.to_dict() for box in PARITY_BOXES]
    js_lines = static_page.evaluate(
        """([w, h, boxes, metrics]) => {
            const ctx = document.createElement("canvas").getContext("2d");
            return memeEditor.layoutLines(w, h, boxes, metrics, memeEditor.makeMeasure(ctx))
              .map((l) => [l.text, l.left, l.top, l.right, l.size, l.stroke]);
        }""",
        [width, height, boxes, render.font_metrics()],
    )
    py_lines = [
        [line.text, *line.box[:3], line.size, line.stroke] for line in render.layout_lines(size, PARITY_BOXES)
    ]
    assert [line[0] for line in js_lines] == [line[0] for line in py_lines]  # same wrapping
    for js, py in zip(js_lines, py_lines, strict=True):
        assert js[4:] == py[4:], (js, py)  # same font size and outline
        assert all(abs(a - b) <= 1 for a, b in zip(js[1:4], py[1:4], strict=True)), (js, py)


def test_preview_pixels_match_the_server_image(static_page):
    size = (800, 600)
    photo = np.zeros((600, 800, 3), dtype=np.uint8) + np.array([70, 110, 150], dtype=np.uint8)
    server = np.asarray(render.render_layout(Image.fromarray(photo), PARITY_BOXES)).astype(int)
    data_url = static_page.evaluate(
        """([w, h, boxes, metrics]) => {
            const canvas = document.createElement("canvas");
            canvas.width = w; canvas.height = h;
            const photo = document.createElement("canvas");
            photo.width = w; photo.height = h;
            const p = photo.getContext("2d");
            p.fillStyle = "rgb(70,110,150)"; p.fillRect(0, 0, w, h);
            memeEditor.drawMeme(canvas.getContext("2d"), photo, boxes, metrics);
            return canvas.toDataURL("image/png");
        }""",
        [*size, [box.to_dict() for box in PARITY_BOXES], render.font_metrics()],
    )
    preview = _decode(data_url)
    background = photo.astype(int)
    server_mask, preview_mask = _text_mask(server, background), _text_mask(preview, background)
    # The same pixels are text (anti-aliasing aside) ...
    disagree = (server_mask ^ preview_mask).sum() / max(1, server_mask.sum())
    assert disagree < 0.08, disagree
    # ... in the same colours: white fill, black outline, the red and green boxes.
    assert np.abs(_small(server) - _small(preview)).mean() < 3


# --- the editor page ----------------------------------------------------------------------------


def _make_ready_meme(owner: Any) -> Any:
    """A finished 800x600 meme whose image the server drew from its layout (no worker needed)."""
    from django.core.files.base import ContentFile

    from memes.models import Meme

    ramp = np.linspace(0, 255, 800, dtype=np.uint8)
    pixels = np.stack(
        [np.tile(ramp, (600, 1)), np.full((600, 800), 120, np.uint8), np.tile(ramp[::-1], (600, 1))], 2
    )
    photo = Image.fromarray(pixels)
    boxes = classic_boxes("hello there", "general kenobi")
    meme = Meme(
        owner=owner,
        status=Meme.Status.READY,
        is_public=False,
        photo_width=800,
        photo_height=600,
        emotion="happy",
        top_text="hello there",
        bottom_text="general kenobi",
        boxes=[box.to_dict() for box in boxes],
    )
    meme.photo.save("p.jpg", ContentFile(render.to_jpeg(photo, quality=95)), save=False)
    image = render.render_layout(render.open_image(meme.photo.open("rb").read()), boxes)
    meme.image.save("m.jpg", ContentFile(render.to_jpeg(image)), save=False)
    meme.thumbnail.save("t.jpg", ContentFile(render.to_jpeg(render.thumbnail(image))), save=False)
    meme.save()
    return meme


def _signed_in_page(browser: Any, live_server: Any, user: Any, **context_options: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(**context_options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _canvas(page: Any) -> np.ndarray:
    return _decode(page.evaluate("document.getElementById('editor-canvas').toDataURL('image/png')"))


def _wait_redrawn(page: Any, before: str) -> None:
    from playwright.sync_api import expect

    # Not wait_for_function: once its first check fails it polls a string it evals in the page, which
    # our CSP (no 'unsafe-eval') refuses; expect() polls without eval.
    expect(page.locator("#editor")).not_to_have_attribute("data-drawn", before)


def _canvas_changed_from(page: Any, before: np.ndarray, *, pixels: int = 1000) -> np.ndarray:
    """The canvas once more than `pixels` of it differ from `before`, or after 5 s the last one: the
    data-drawn counter can move for a redraw that lands before the one a test waits for (a new empty box
    first, its text a frame later)."""
    for _ in range(100):
        now = _canvas(page)
        if np.abs(now - before).sum(axis=2).astype(bool).sum() > pixels:
            break
        page.wait_for_timeout(50)
    return now


def _drawn(page: Any) -> str:
    return page.evaluate("document.getElementById('editor').dataset.drawn")


def _photo(meme: Any) -> np.ndarray:
    with meme.photo.open("rb") as handle:
        return np.asarray(render.open_image(handle.read())).astype(int)


def _saved_image(page: Any) -> np.ndarray:
    src = page.get_attribute("#meme-image", "src")
    response = page.request.get(page.url.split("/m/")[0] + src if src.startswith("/") else src)
    assert response.ok, response.status
    return _decode(response.body())


@pytest.mark.django_db(transaction=True)
def test_editor_mouse_drag_add_box_live_preview_and_save(browser, live_server):
    from playwright.sync_api import expect

    from memes.models import Meme
    from tests.factories import make_user

    user = make_user("editor")
    meme = _make_ready_meme(user)
    photo = _photo(meme)
    page = _signed_in_page(browser, live_server, user, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/m/{meme.public_id}/")
    page.wait_for_selector("#editor[data-ready='1']")
    expect(page.locator(".box-editor")).to_have_count(2)
    expect(page.locator("#legacy-fields")).to_have_count(0)
    old_src = page.get_attribute("#meme-image", "src")
    start = _canvas(page)
    top_region = _text_mask(start, photo)[: 600 * 4 // 10]
    assert top_region.sum() > 500  # the saved layout is drawn at once

    # Typing shows on the canvas at once, before anything is saved.
    drawn = _drawn(page)
    page.fill("#box-0-text", "this is live")
    _wait_redrawn(page, drawn)
    typed = _canvas(page)
    assert np.abs(typed - start)[: 600 * 4 // 10].sum(axis=2).astype(bool).sum() > 2000
    meme.refresh_from_db()
    assert meme.top_text == "hello there" and page.get_attribute("#meme-image", "src") == old_src

    # Size and colour too.
    drawn = _drawn(page)
    page.locator("#box-0-color").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", "#ff0000"
    )
    _wait_redrawn(page, drawn)
    red = _canvas(page)
    assert ((red[..., 0] > 220) & (red[..., 1] < 50) & (red[..., 2] < 50)).sum() > 500

    # Drag the top box down by the mouse: 180 CSS px on the canvas.
    handle = page.locator(".box-handle[data-index='0']")
    before_box = handle.bounding_box()
    canvas_box = page.locator("#editor-canvas").bounding_box()
    scale = 800 / canvas_box["width"]
    before_text = _bbox((red[..., 0] > 220) & (red[..., 1] < 50) & (red[..., 2] < 50))
    drawn = _drawn(page)
    page.mouse.move(before_box["x"] + before_box["width"] / 2, before_box["y"] + 20)
    page.mouse.down()
    for step in range(1, 10):
        page.mouse.move(before_box["x"] + before_box["width"] / 2, before_box["y"] + 20 + step * 20)
    page.mouse.up()
    _wait_redrawn(page, drawn)
    after_box = handle.bounding_box()
    assert abs(after_box["y"] - before_box["y"] - 180) < 3
    dragged = _canvas(page)
    red_mask = (dragged[..., 0] > 220) & (dragged[..., 1] < 50) & (dragged[..., 2] < 50)
    moved_text = _bbox(red_mask)
    assert abs((moved_text[1] - before_text[1]) - 180 * scale) < 4 * scale

    # Add a third box and type into it.
    page.click("#add-box")
    expect(page.locator(".box-editor")).to_have_count(3)
    expect(page.locator(".box-handle")).to_have_count(3)
    drawn = _drawn(page)
    page.fill("#box-2-text", "a third box")
    _wait_redrawn(page, drawn)
    preview = _canvas_changed_from(page, dragged)
    assert np.abs(preview - dragged).sum(axis=2).astype(bool).sum() > 1000
    if shots := os.environ.get("EDITOR_SCREENSHOTS"):  # a folder: look at the editor by eye
        page.screenshot(path=f"{shots}/editor-desktop.png", full_page=True)

    # Save: the server renders the authoritative image, and it matches the preview.
    page.click("#save-edit")
    expect(page.locator(".msg-success")).to_contain_text("Meme updated")
    page.wait_for_selector("#editor[data-ready='1']")
    assert page.get_attribute("#meme-image", "src") != old_src
    saved = _saved_image(page)
    assert saved.shape == preview.shape
    assert np.abs(_small(saved) - _small(preview)).mean() < 4
    saved_red = (saved[..., 0] > 200) & (saved[..., 1] < 70) & (saved[..., 2] < 70)
    preview_red = (preview[..., 0] > 200) & (preview[..., 1] < 70) & (preview[..., 2] < 70)
    # The red text (the dragged box, and the new one, which took the selected box's style) lands
    # where the preview put it.
    assert all(abs(a - b) <= 4 for a, b in zip(_bbox(saved_red), _bbox(preview_red), strict=True))
    saved_mask, preview_mask = _text_mask(saved, photo), _text_mask(preview, photo)
    assert (saved_mask ^ preview_mask).sum() / preview_mask.sum() < 0.15
    # And the layout is stored: three boxes, the first moved down, its text the new top text.
    meme = Meme.objects.get(pk=meme.pk)
    assert len(meme.boxes) == 3 and meme.boxes[0]["y"] > 0.2 and meme.boxes[0]["color"] == "#ff0000"
    assert meme.top_text == "this is live" and meme.boxes[2]["text"] == "a third box"
    # After the reload the editor starts from the saved layout.
    expect(page.locator(".box-editor")).to_have_count(3)
    expect(page.locator("#box-2-text")).to_have_value("a third box")


@pytest.mark.django_db(transaction=True)
def test_editor_touch_drag_on_a_phone_then_save(browser, live_server):
    from playwright.sync_api import expect

    from memes.models import Meme
    from tests.factories import make_user

    user = make_user("thumbs")
    meme = _make_ready_meme(user)
    photo = _photo(meme)
    page = _signed_in_page(
        browser, live_server, user, viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True
    )
    page.goto(f"{live_server.url}/m/{meme.public_id}/")
    page.wait_for_selector("#editor[data-ready='1']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    handle = page.locator(".box-handle[data-index='1']")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    canvas_box = page.locator("#editor-canvas").bounding_box()
    start = _canvas(page)
    below_middle = np.arange(600)[:, None] >= 300  # the bottom box's text only
    bottom_text = _bbox(_text_mask(start, photo) & below_middle)
    scroll_before = page.evaluate("window.scrollY")

    # A real touch drag (Chromium turns touch input into pointer events): the bottom box goes up.
    cdp = page.context.new_cdp_session(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    drawn = _drawn(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - step * 6}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    _wait_redrawn(page, drawn)
    assert page.evaluate("window.scrollY") == scroll_before  # the drag moved the box, not the page
    moved = handle.bounding_box()
    assert abs((box["y"] - moved["y"]) - 60) < 3
    dragged = _canvas(page)
    scale = 800 / canvas_box["width"]
    below_top_box = np.arange(600)[:, None] >= 250
    moved_text = _bbox(_text_mask(dragged, photo) & below_top_box)
    assert abs((bottom_text[3] - moved_text[3]) - 60 * scale) < 4 * scale

    if shots := os.environ.get("EDITOR_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/editor-phone.png", full_page=True)
    page.click("#save-edit")
    expect(page.locator(".msg-success")).to_contain_text("Meme updated")
    meme = Meme.objects.get(pk=meme.pk)
    assert abs(meme.boxes[1]["y"] - (0.6 - 60 * scale / 600)) < 0.01
    saved = _saved_image(page)
    assert np.abs(_small(saved) - _small(dragged)).mean() < 4
