"""Bad input on the upload form: a clear message on the form, a 400, and nothing half-saved."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from memes.models import Meme
from tests.conftest import media_files
from tests.factories import photo_bytes, upload

pytestmark = pytest.mark.django_db


def _post(client, file, **data):
    return client.post(reverse("memes:upload"), {"photo": file, **data})


def _assert_rejected(response, settings, message: str) -> None:
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not Meme.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []


def _big_noise_jpeg(min_bytes: int) -> bytes:
    # Random pixels do not compress, so the file is really this big.
    import numpy as np

    side = int((min_bytes / 1.5) ** 0.5) + 200
    pixels = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=100)
    assert len(out.getvalue()) > min_bytes
    return out.getvalue()


def test_not_an_image(user_client, settings):
    response = _post(user_client, upload(b"%PDF-1.4 definitely not a photo", "cv.pdf", "application/pdf"))
    _assert_rejected(response, settings, "not an image we can read")


def test_text_file_named_jpg(user_client, settings):
    response = _post(user_client, upload(b"hello world\n" * 100, "photo.jpg"))
    _assert_rejected(response, settings, "not an image we can read")


def test_zero_bytes(user_client, settings):
    response = _post(user_client, upload(b"", "empty.jpg"))
    # Django's own form check speaks first for an empty file; either way it is clear and nothing is saved.
    assert response.status_code == 400
    assert "empty" in response.content.decode().lower()
    assert not Meme.objects.exists() and media_files(settings.MEDIA_ROOT) == []


def test_truncated_image(user_client, settings):
    data = photo_bytes((800, 600), quality=95)
    response = _post(user_client, upload(data[: len(data) // 2]))
    _assert_rejected(response, settings, "damaged or incomplete")


def test_over_10_mb(user_client, settings):
    # Just over the limit (within the body cap's margin): read, and refused by check_photo.
    response = _post(user_client, upload(_big_noise_jpeg(10 * 1024 * 1024 + 1)[: 10 * 1024 * 1024 + 1]))
    _assert_rejected(response, settings, "photos can be at most 10 MB")


def test_far_over_10_mb_is_refused_before_it_is_read(user_client, settings):
    # 15 MB: the body cap (deepmeme_site.middleware) answers 413 from the Content-Length alone.
    response = _post(user_client, upload(_big_noise_jpeg(10 * 1024 * 1024 + 1)))
    assert response.status_code == 413
    assert "photos can be at most 10 MB" in response.content.decode()
    assert not Meme.objects.exists() and media_files(settings.MEDIA_ROOT) == []


def test_over_40_megapixels(user_client, settings):
    # 8000 x 5001 = 40.008 MP of a single colour: a small PNG whose header says it is too big.
    data = photo_bytes((8000, 5001), fmt="PNG")
    assert len(data) < 1024 * 1024
    response = _post(user_client, upload(data, "huge.png", "image/png"))
    _assert_rejected(response, settings, "the limit is 40 megapixels")


def test_decompression_bomb_guard_stays_on(user_client, settings):
    assert Image.MAX_IMAGE_PIXELS is not None
    data = photo_bytes((20000, 10000), fmt="PNG")  # 200 MP: over Pillow's own bomb limit
    response = _post(user_client, upload(data, "bomb.png", "image/png"))
    _assert_rejected(response, settings, "the limit is 40 megapixels")


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "PPM"])  # GIF is accepted (animations: test_animated.py)
def test_unsupported_format(user_client, settings, fmt):
    response = _post(user_client, upload(photo_bytes((64, 64), fmt=fmt), f"photo.{fmt.lower()}", "image/x"))
    _assert_rejected(response, settings, f"{fmt} images are not supported")


def test_bad_topic_and_emotion(user_client, settings):
    response = _post(user_client, upload(photo_bytes()), topic="t" * 61)
    _assert_rejected(response, settings, "at most 60 characters")
    response = _post(user_client, upload(photo_bytes()), emotion="bored")
    _assert_rejected(response, settings, "Select a valid choice")


def test_no_file(user_client, settings):
    response = user_client.post(reverse("memes:upload"), {"topic": "x"})
    _assert_rejected(response, settings, "This field is required")


def test_good_png_with_alpha_and_webp_are_accepted(
    user_client, fake_analysis, django_capture_on_commit_callbacks
):
    rgba = Image.new("RGBA", (300, 200), (255, 0, 0, 0))
    out = io.BytesIO()
    rgba.save(out, format="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        r1 = _post(user_client, upload(out.getvalue(), "a.png", "image/png"))
        r2 = _post(user_client, upload(photo_bytes(fmt="WEBP"), "a.webp", "image/webp"))
    assert r1.status_code == r2.status_code == 302
    assert Meme.objects.filter(status=Meme.Status.READY).count() == 2
