"""The real stack: PostgreSQL, Redis and a `celery worker` subprocess running the real ml.analyze."""

import io
import time

import pytest
from django.urls import reverse
from PIL import Image

from memes.models import Meme
from tests.factories import face_photo_bytes, photo_bytes, upload

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def _wait_finished(client, meme: Meme, log_path, timeout: float = 240) -> dict:
    url = reverse("memes:status", args=[meme.public_id])
    seen = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(url).json()
        seen.add(status["status"])
        if status["finished"]:
            status["seen"] = seen
            return status
        time.sleep(0.25)
    pytest.fail(f"meme never finished; worker log:\n{log_path.read_text()[-4000:]}")


def test_upload_is_processed_by_the_worker(client, real_worker):
    from tests.factories import make_user

    media_root, _queue, log_path = real_worker
    client.force_login(make_user())
    response = client.post(reverse("memes:upload"), {"photo": upload(face_photo_bytes()), "topic": "space"})
    assert response.status_code == 302
    meme = Meme.objects.get()
    # The web process only queued it; the worker does the rest.
    assert meme.status in (Meme.Status.QUEUED, Meme.Status.PROCESSING, Meme.Status.READY)
    status = _wait_finished(client, meme, log_path)
    assert status["status"] == "ready", status
    meme.refresh_from_db()
    assert "process_meme[" in log_path.read_text()
    rendered = media_root / meme.image.name
    photo = media_root / meme.photo.name
    assert rendered.is_file() and (media_root / meme.thumbnail.name).is_file()
    assert rendered.read_bytes() != photo.read_bytes()
    assert Image.open(io.BytesIO(rendered.read_bytes())).size == Image.open(photo).size
    # The real model found the astronaut's face and gave seven probabilities summing to one.
    assert len(meme.faces) >= 1
    face = meme.faces[0]
    x, y, w, h = face["box"]
    assert 0 <= x < 512 and 0 <= y < 512 and w > 30 and h > 30
    assert len(face["probabilities"]) == 7 and abs(sum(face["probabilities"].values()) - 1) < 1e-3
    assert meme.emotion == face["emotion"] and (meme.top_text or meme.bottom_text)


def test_a_photo_without_a_face_still_becomes_a_meme(client, real_worker):
    from tests.factories import make_user

    _media, _queue, log_path = real_worker
    client.force_login(make_user())
    client.post(reverse("memes:upload"), {"photo": upload(photo_bytes((320, 240))), "emotion": "surprise"})
    meme = Meme.objects.get()
    assert _wait_finished(client, meme, log_path)["status"] == "ready"
    meme.refresh_from_db()
    assert meme.faces == [] and meme.emotion == "surprise"
    page = client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    assert "didn't find a face" in page
