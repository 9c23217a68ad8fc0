"""django-storages against moto's S3 server over HTTP: files land in the bucket and are served from it."""

import socket

import boto3
import pytest
import requests
from django.urls import reverse

from deepmeme_site.settings import build_storages
from memes.models import Meme
from tests.factories import face_photo_bytes, upload

pytestmark = [pytest.mark.s3, pytest.mark.django_db]
BUCKET = "deepmeme-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings, monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    # The exact STORAGES the settings module builds when AWS_STORAGE_BUCKET_NAME is set.
    settings.STORAGES = build_storages(bucket=BUCKET, endpoint_url=s3_endpoint, region="us-east-1")
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_photo_and_meme_land_in_the_bucket_and_are_served_from_it(
    s3_storage, s3_endpoint, user_client, fake_analysis, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(reverse("memes:upload"), {"photo": upload(face_photo_bytes())})
    assert response.status_code == 302
    meme = Meme.objects.get()
    assert meme.status == Meme.Status.READY
    keys = _keys(s3_storage)
    assert meme.photo.name in keys and meme.image.name in keys and meme.thumbnail.name in keys
    assert [k.split("/")[0] for k in keys] == ["memes", "photos", "thumbs"]
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*.jpg"))  # nothing local

    # The page points at the bucket, and the bucket serves the bytes over HTTP.
    url = meme.image.url
    assert url.startswith(f"{s3_endpoint}/{BUCKET}/{meme.image.name}")
    page = user_client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    assert f'src="{url.split("?")[0]}' in page
    served = requests.get(url, timeout=10)
    assert served.status_code == 200
    assert served.content == s3_storage.get_object(Bucket=BUCKET, Key=meme.image.name)["Body"].read()
    assert served.content[:3] == b"\xff\xd8\xff"
    photo = requests.get(meme.photo.url, timeout=10).content
    assert photo != served.content

    # The stable share-card address redirects to a working, freshly signed bucket URL.
    redirect = user_client.get(reverse("memes:image", args=[meme.public_id]))
    assert redirect.status_code == 302 and requests.get(redirect.url, timeout=10).content == served.content

    # Editing re-renders into the bucket and removes the old object.
    # (Old files go once the new row commits: run the on-commit callbacks the test transaction holds.)
    old = meme.image.name
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(reverse("memes:edit", args=[meme.public_id]), {"top_text": "edited in s3"})
    meme.refresh_from_db()
    assert meme.image.name != old and old not in _keys(s3_storage) and meme.image.name in _keys(s3_storage)

    # Deleting the meme deletes its objects.
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(reverse("memes:delete", args=[meme.public_id]))
    assert _keys(s3_storage) == []


def test_private_objects_need_a_signature(
    s3_storage, user, fake_analysis, django_capture_on_commit_callbacks
):
    from memes.services.memes import meme_create

    with django_capture_on_commit_callbacks(execute=True):
        meme = meme_create(owner=user, photo=upload(face_photo_bytes()))
    meme.refresh_from_db()
    assert "Signature=" in meme.image.url or "X-Amz-Signature=" in meme.image.url
    unsigned = meme.image.url.split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code == 403
