"""Animated GIF and WebP memes: accepted within the limits, drawn on every frame, kept animated
through the job, re-renders, the page, the download and the API (stand-in analysis; the browser
test runs the real one)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from memes import checks, limits
from memes.models import Meme
from memes.services import memes as meme_services
from ml import imageio
from tests.factories import animated_photo_bytes, photo_bytes, upload

pytestmark = pytest.mark.django_db


def _frames_of(data: bytes) -> imageio.Frames:
    return imageio.read_frames(data)


def _create(owner, data: bytes, name: str = "clip.gif", content_type: str = "image/gif") -> Meme:
    return meme_services.meme_create(owner=owner, photo=upload(data, name, content_type))


# --- the checks ---------------------------------------------------------------------------------


def test_an_animated_gif_is_accepted_with_every_frame():
    checked = checks.check_photo(
        upload(animated_photo_bytes(frames=7, duration=[60, 70, 80, 90, 100, 110, 120]))
    )
    assert checked.is_animated and checked.format == "GIF"
    assert len(checked.frames) == 7 and checked.frames.durations == [60, 70, 80, 90, 100, 110, 120]
    assert checked.image.size == (160, 120)


def test_a_still_gif_is_a_still_photo():
    checked = checks.check_photo(upload(photo_bytes((80, 60), fmt="GIF"), "a.gif", "image/gif"))
    assert not checked.is_animated and checked.format == "GIF" and checked.image.mode == "RGB"


def test_an_animated_png_is_an_animation_but_a_phone_mpo_is_a_still():
    checked = checks.check_photo(upload(animated_photo_bytes(frames=3, fmt="PNG", duration=[70, 80, 90])))
    assert checked.is_animated and checked.format == "PNG" and checked.frames.durations == [70, 80, 90]
    assert "MPO" not in limits.ANIMATED_FORMATS  # a phone JPEG's second frame is a depth map, not a frame


def test_frames_are_worked_on_at_most_the_animation_side():
    checked = checks.check_photo(upload(animated_photo_bytes(frames=3, size=(1280, 720))))
    side = limits.ANIMATION_MAX_SIDE
    assert checked.frames.size == (side, round(side * 720 / 1280))


def test_too_many_frames_are_refused_with_the_numbers(monkeypatch):
    monkeypatch.setattr(limits, "ANIMATION_MAX_FRAMES", 5)
    with pytest.raises(ValidationError) as caught:
        checks.check_photo(upload(animated_photo_bytes(frames=8)))
    assert caught.value.code == "too_many_frames"
    assert "8 frames" in caught.value.messages[0] and "limit is 5" in caught.value.messages[0]


def test_too_many_pixels_in_all_frames_are_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(limits, "ANIMATION_MAX_PIXELS", 100_000)
    decoded = []
    monkeypatch.setattr(imageio, "read_frames", lambda *a, **k: decoded.append(1))
    with pytest.raises(ValidationError) as caught:
        checks.check_photo(upload(animated_photo_bytes(frames=6, size=(160, 120))))
    message = caught.value.messages[0]
    assert caught.value.code == "animation_too_large" and not decoded
    assert "160x120 with 6 frames" in message and "0.1 megapixels" in message


def test_too_long_an_animation_is_refused_with_the_numbers():
    frames = limits.ANIMATION_MAX_SECONDS  # one second each, plus one
    with pytest.raises(ValidationError) as caught:
        checks.check_photo(upload(animated_photo_bytes(frames=frames + 1, size=(32, 24), duration=1000)))
    assert caught.value.code == "animation_too_long"
    assert f"{frames + 1:.1f} seconds" in caught.value.messages[0]
    assert f"limit is {limits.ANIMATION_MAX_SECONDS} seconds" in caught.value.messages[0]


def test_a_truncated_animation_is_damaged():
    data = animated_photo_bytes(frames=8)
    with pytest.raises(ValidationError) as caught:
        checks.check_photo(upload(data[: len(data) * 2 // 3]))
    assert caught.value.code == "damaged"


def test_help_text_names_gif_and_the_animation_limits():
    text = limits.photo_help_text()
    assert "GIF" in text and f"{limits.ANIMATION_MAX_FRAMES} frames" in text


# --- the job and re-renders ---------------------------------------------------------------------


def test_animated_gif_becomes_an_animated_meme(user, fake_analysis, django_capture_on_commit_callbacks):
    durations = [50, 100, 150, 200, 250, 300]
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, animated_photo_bytes(frames=6, duration=durations))
    meme.refresh_from_db()
    assert meme.status == Meme.Status.READY and meme.is_animated
    assert (meme.photo_width, meme.photo_height) == (160, 120)
    photo = _frames_of(meme.photo.open("rb").read())
    assert len(photo) == 6 and photo.durations == durations
    assert meme.image.name.endswith(".webp") and meme.thumbnail.name.endswith(".webp")
    drawn = _frames_of(meme.image.open("rb").read())
    assert len(drawn) == 6 and drawn.durations == durations and drawn.loop == 0
    assert len(_frames_of(meme.thumbnail.open("rb").read())) == 6
    # The caption is on every frame: each drawn frame differs from its photo frame in the text
    # areas, and the frames still differ from each other (it still moves).
    for before, after in zip(photo.images, drawn.images, strict=True):
        diff = np.abs(np.asarray(after).astype(int) - np.asarray(before)).sum(axis=2) > 90
        assert diff.mean() > 0.01
    assert not np.array_equal(np.asarray(drawn.images[0]), np.asarray(drawn.images[3]))


def test_animated_webp_stays_animated(user, fake_analysis, django_capture_on_commit_callbacks):
    data = animated_photo_bytes(frames=4, fmt="WEBP", duration=[90, 90, 90, 400], loop=2)
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, data, "clip.webp", "image/webp")
    meme.refresh_from_db()
    drawn = _frames_of(meme.image.open("rb").read())
    assert meme.is_animated and len(drawn) == 4 and drawn.durations == [90, 90, 90, 400] and drawn.loop == 2


def test_editing_an_animated_meme_keeps_the_animation(
    user, fake_analysis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, animated_photo_bytes(frames=5))
    meme.refresh_from_db()
    before = meme.image.open("rb").read()
    meme_services.meme_update(meme=meme, user=user, top_text="new words", bottom_text="")
    meme.refresh_from_db()
    after = meme.image.open("rb").read()
    assert after != before and meme.image.name.endswith(".webp")
    assert len(_frames_of(after)) == 5 and meme.top_text == "new words"


def test_a_large_animation_gets_a_smaller_animated_thumbnail(
    user, fake_analysis, django_capture_on_commit_callbacks, monkeypatch
):
    # With frames worked on at the thumbnail size (the default) the meme is its own thumbnail;
    # larger working frames get a thumbnail of their own.
    monkeypatch.setattr(limits, "ANIMATION_MAX_SIDE", 640)
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, animated_photo_bytes(frames=3, size=(1000, 600)))
    meme.refresh_from_db()
    thumb = Image.open(io.BytesIO(meme.thumbnail.open("rb").read()))
    assert thumb.size == (480, 288) and thumb.n_frames == 3
    assert Image.open(io.BytesIO(meme.image.open("rb").read())).size == (640, 384)


# --- the page, the download, the API ------------------------------------------------------------


def test_the_page_and_the_download_keep_the_animation(
    user, user_client, fake_analysis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, animated_photo_bytes(frames=4))
    meme.refresh_from_db()
    page = user_client.get(f"/m/{meme.public_id}/").content.decode()
    assert f'src="{meme.image.url}"' in page and "data-animated" in page
    response = user_client.get(f"/m/{meme.public_id}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert f"deepmeme-{meme.public_id}.webp" in response["Content-Disposition"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).n_frames == 4
    meme.is_public = True
    meme.save()
    feed = user_client.get("/").content.decode()
    assert f'src="{meme.thumbnail.url}"' in feed and 'class="card-badge"' in feed
    media = user_client.get(meme.thumbnail.url)
    assert media.status_code == 200 and media["Content-Type"] == "image/webp"


def test_a_still_meme_downloads_as_jpeg(user, user_client, fake_analysis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, photo_bytes(), "a.jpg", "image/jpeg")
    response = user_client.get(f"/m/{meme.public_id}/download/")
    assert response["Content-Type"] == "image/jpeg" and ".jpg" in response["Content-Disposition"]


def test_an_over_limit_upload_on_the_page_shows_the_message(user_client, monkeypatch):
    monkeypatch.setattr(limits, "ANIMATION_MAX_FRAMES", 3)
    response = user_client.post(
        "/upload/", {"photo": upload(animated_photo_bytes(frames=6), "a.gif", "image/gif")}
    )
    assert response.status_code == 400 and Meme.objects.count() == 0  # the form again, with why
    assert "6 frames; the limit is 3" in response.content.decode()


def test_api_upload_of_a_gif(fake_analysis, django_capture_on_commit_callbacks):
    from tests.api.conftest import token_client
    from tests.factories import make_user

    client = token_client(make_user("gifmaker"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/memes/",
            {"photo": upload(animated_photo_bytes(frames=5), "a.gif", "image/gif")},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = client.get(response["Location"]).json()
    assert body["status"] == "ready" and body["is_animated"] is True
    assert body["image_url"].endswith(".webp")
    served = client.get(body["image_url"])
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).n_frames == 5


def test_api_refuses_an_over_limit_animation_with_the_numbers(monkeypatch):
    from tests.api.conftest import token_client
    from tests.factories import make_user

    monkeypatch.setattr(limits, "ANIMATION_MAX_FRAMES", 3)
    client = token_client(make_user("gifmaker"))
    response = client.post(
        "/api/v1/memes/",
        {"photo": upload(animated_photo_bytes(frames=6), "a.gif", "image/gif")},
        format="multipart",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "6 frames" in (error["message"] + str(error["fields"])) and Meme.objects.count() == 0


def test_makememe_writes_an_animated_webp_for_an_animated_photo(fake_analysis, tmp_path):
    import json

    from django.core.management import call_command

    source, out = tmp_path / "clip.gif", tmp_path / "meme.webp"
    source.write_bytes(animated_photo_bytes(frames=4, duration=[100, 200, 300, 400]))
    buffer = io.StringIO()
    call_command("makememe", str(source), "--out", str(out), "--json", stdout=buffer)
    assert json.loads(buffer.getvalue())["output"] == str(out)
    written = _frames_of(out.read_bytes())
    assert len(written) == 4 and written.durations == [100, 200, 300, 400]
