"""Upload over the API -> 202 -> poll Location -> ready, with a real `celery worker` on Redis
running the real models (the spine's worker fixture), on PostgreSQL."""

import time

import pytest

from tests.api.conftest import token_client
from tests.factories import face_photo_bytes, make_user, upload

pytestmark = [pytest.mark.realstack, pytest.mark.slow]


def test_upload_is_accepted_then_polled_until_the_worker_made_it(real_worker):
    _media_root, _queue, log_path = real_worker
    client = token_client(make_user())
    response = client.post(
        "/api/v1/memes/", {"photo": upload(face_photo_bytes()), "topic": "space"}, format="multipart"
    )
    assert response.status_code == 202, response.content
    location = response["Location"]
    assert response.json()["status"] in ("queued", "processing")  # nothing was made in this process

    deadline, seen = time.monotonic() + 240, set()
    while time.monotonic() < deadline:
        body = client.get(location).json()
        seen.add(body["status"])
        if body["finished"]:
            break
        time.sleep(0.25)
    else:
        pytest.fail(f"never finished; worker log:\n{log_path.read_text()[-4000:]}")

    assert body["status"] == "ready", body
    assert "process_meme[" in log_path.read_text()
    face = body["faces"][0]
    assert abs(sum(face["probabilities"].values()) - 1) < 1e-3
    assert face["emotion"] == body["emotion"] and face["box"]["width"] > 30
    assert body["top_text"] or body["bottom_text"]
    assert body["suggested_captions"]
    image = client.get(body["image_url"])  # the absolute address serves the rendered meme
    assert image.status_code == 200 and b"".join(image.streaming_content)[:2] == b"\xff\xd8"
