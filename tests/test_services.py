"""memes.services.* and accounts.services: the write side, with a stand-in analysis."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from accounts.services import user_delete
from memes import checks
from memes.models import Caption, Comment, Like, Meme
from memes.services import captions, moderation, pipeline, social
from memes.services import memes as meme_services
from memes.tasks import GENERIC_FAILURE, process_meme
from tests.conftest import media_files
from tests.factories import make_caption, make_meme, make_user, photo_bytes, upload

pytestmark = pytest.mark.django_db


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPSLatitude
    return exif.tobytes()


def _create(owner, data: bytes | None = None, **kwargs) -> Meme:
    return meme_services.meme_create(owner=owner, photo=upload(data or photo_bytes()), **kwargs)


def test_create_queues_then_processing_makes_a_ready_meme(
    user, fake_analysis, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meme = _create(user, topic="  Mondays  ")
    assert len(callbacks) == 1  # the job is queued only after the row is committed
    meme.refresh_from_db()
    assert meme.status == Meme.Status.READY
    assert meme.topic == "Mondays"
    assert meme.emotion == "happy"
    assert meme.faces[0]["emotion"] == "happy"
    assert set(meme.faces[0]["probabilities"]) == {
        "angry",
        "disgust",
        "fear",
        "happy",
        "sad",
        "surprise",
        "neutral",
    }
    assert meme.top_text or meme.bottom_text
    assert meme.caption is not None and meme.caption.emotion == "happy"
    assert Caption.objects.get(pk=meme.caption_id).times_used == 1
    rendered = Image.open(meme.image.open("rb"))
    assert rendered.size == (640, 480)
    assert meme.image.read() != meme.photo.open("rb").read()
    assert max(Image.open(meme.thumbnail.open("rb")).size) == 480


def test_stored_images_carry_no_exif_and_are_oriented(
    user, fake_analysis, django_capture_on_commit_callbacks
):
    data = photo_bytes((400, 200), exif=_exif_with_gps())
    assert Image.open(io.BytesIO(data)).getexif()[0x0112] == 6
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, data)
    meme.refresh_from_db()
    for field in (meme.photo, meme.image, meme.thumbnail):
        with field.open("rb") as handle:
            raw = handle.read()
        stored = Image.open(io.BytesIO(raw))
        assert not stored.getexif(), field.name
        assert "exif" not in stored.info and b"Exif\x00\x00" not in raw and b"PhoneMaker" not in raw
    # Orientation 6 was applied: the 400x200 photo is stored upright as 200x400.
    assert (meme.photo_width, meme.photo_height) == (200, 400)
    assert Image.open(meme.image.open("rb")).size == (200, 400)


def test_no_face_uses_override_then_neutral(user, fake_analysis, django_capture_on_commit_callbacks):
    fake_analysis(None)
    with django_capture_on_commit_callbacks(execute=True):
        plain = _create(user)
        chosen = _create(user, emotion_override="sad")
    plain.refresh_from_db()
    chosen.refresh_from_db()
    assert plain.status == chosen.status == Meme.Status.READY
    assert plain.faces == [] and plain.no_face and plain.emotion == "neutral"
    assert chosen.emotion == "sad" and chosen.caption.emotion == "sad"


def test_override_wins_over_the_face(user, fake_analysis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, emotion_override="angry")
    meme.refresh_from_db()
    assert meme.faces[0]["emotion"] == "happy"
    assert meme.emotion == "angry"


def test_topic_captions_are_preferred_and_filled(user, fake_analysis, django_capture_on_commit_callbacks):
    Caption.objects.all().delete()
    make_caption("Nothing about it | at all")
    make_caption("Me thinking about | {topic}")
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user, topic="pizza")
    meme.refresh_from_db()
    assert (meme.top_text, meme.bottom_text) == ("Me thinking about", "pizza")


def test_empty_caption_table_still_makes_a_meme(user, fake_analysis, django_capture_on_commit_callbacks):
    Caption.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.READY and meme.caption is None and meme.bottom_text


def test_processing_is_idempotent_and_leaves_no_orphan_files(
    user, fake_analysis, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user)
    files_after_first = media_files(settings.MEDIA_ROOT)
    assert len(files_after_first) == 3
    # A redelivered job for a ready meme does nothing.
    assert process_meme.apply(args=[meme.pk]).get() == "stale"
    assert media_files(settings.MEDIA_ROOT) == files_after_first
    # The redelivery after a crash mid-way (status left processing, no progress since) redoes it
    # and replaces the outputs (the old ones once the new row is committed).
    long_ago = timezone.now() - timedelta(hours=1)
    Meme.objects.filter(pk=meme.pk).update(status=Meme.Status.PROCESSING, updated_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert process_meme.apply(args=[meme.pk]).get() == "ready"
    files = media_files(settings.MEDIA_ROOT)
    assert len(files) == 3 and files != files_after_first


def test_a_failing_analysis_marks_the_meme_failed_with_a_reason(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(image):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(pipeline, "default_analyzer", broken)
    with django_capture_on_commit_callbacks(execute=True):
        meme = _create(user)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.FAILED
    assert meme.failure_reason == GENERIC_FAILURE
    assert "exploded" not in meme.failure_reason  # internals stay in the log


def test_unreadable_stored_photo_fails_with_its_own_reason(user, fake_analysis):
    meme = make_meme(user, status=Meme.Status.QUEUED)
    meme.photo.storage.delete(meme.photo.name)
    assert process_meme.apply(args=[meme.pk]).get() == "failed"
    meme.refresh_from_db()
    assert meme.status == Meme.Status.FAILED and "could not be read" in meme.failure_reason


def test_deleted_meme_job_is_a_no_op():
    assert process_meme.apply(args=[987654]).get() == "gone"


def test_retry_requeues_a_failed_meme(user, fake_analysis, django_capture_on_commit_callbacks):
    meme = make_meme(user, status=Meme.Status.FAILED, failure_reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        meme_services.meme_retry(meme=meme, user=user)
    meme.refresh_from_db()
    assert meme.status == Meme.Status.READY and meme.failure_reason == ""
    with pytest.raises(ValidationError):
        meme_services.meme_retry(meme=meme, user=user)


def test_retry_of_a_long_failed_meme_is_not_taken_for_a_lost_job(user, settings):
    # The sweeper measures lost jobs from updated_at: a retry must restart that clock.
    meme = make_meme(user, status=Meme.Status.FAILED, failure_reason="x")
    Meme.objects.filter(pk=meme.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    settings.MEME_JOB_TIMEOUT_SECONDS = 600
    meme = pipeline.meme_recover_if_lost(meme=meme_services.meme_retry(meme=meme, user=user))
    assert meme.status == Meme.Status.QUEUED and meme.failure_reason == "" and meme.attempt == 2


def test_retry_twice_from_stale_copies_queues_once(user, django_capture_on_commit_callbacks, monkeypatch):
    meme = make_meme(user, status=Meme.Status.FAILED, failure_reason="x")
    double_click = Meme.objects.get(pk=meme.pk)
    queued = []
    monkeypatch.setattr(pipeline, "meme_enqueue", lambda *, meme_id, attempt: queued.append(meme_id))
    with django_capture_on_commit_callbacks(execute=True):
        meme_services.meme_retry(meme=meme, user=user)
        with pytest.raises(ValidationError):
            meme_services.meme_retry(meme=double_click, user=user)
    assert queued == [meme.pk]


def test_update_rerenders_and_validates(user, django_capture_on_commit_callbacks):
    meme = make_meme(user, top_text="a", bottom_text="b")
    before = meme.image.open("rb").read()
    old_name = meme.image.name
    with django_capture_on_commit_callbacks(execute=True):  # old files go once the row is committed
        meme_services.meme_update(
            meme=meme, user=user, top_text="  new   top ", font_size=150, text_color="#FF0000"
        )
    meme.refresh_from_db()
    assert (meme.top_text, meme.bottom_text, meme.font_size, meme.text_color) == (
        "new top",
        "b",
        150,
        "#ff0000",
    )
    assert meme.image.name != old_name and not meme.image.storage.exists(old_name)
    after = meme.image.open("rb").read()
    assert after != before
    # Red text really is drawn.
    pixels = np.asarray(Image.open(io.BytesIO(after)).convert("RGB")).astype(int)
    assert ((pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)).any()
    for bad in ({"font_size": 20}, {"text_color": "red"}, {"top_text": "x" * 201}):
        with pytest.raises(ValidationError):
            meme_services.meme_update(meme=meme, user=user, **bad)


def test_only_the_owner_may_change_a_meme(user):
    meme = make_meme(user)
    stranger = make_user()
    with pytest.raises(PermissionDenied):
        meme_services.meme_update(meme=meme, user=stranger, top_text="mine now")
    with pytest.raises(PermissionDenied):
        meme_services.meme_set_public(meme=meme, user=stranger, is_public=False)
    with pytest.raises(PermissionDenied):
        meme_services.meme_delete(meme=meme, user=stranger)


def test_choose_caption(user):
    meme = make_meme(user, topic="cats")
    caption = make_caption("I love | {topic}")
    meme_services.meme_choose_caption(meme=meme, user=user, caption_id=caption.pk)
    meme.refresh_from_db()
    assert (meme.top_text, meme.bottom_text, meme.caption_id) == ("I love", "cats", caption.pk)
    caption.refresh_from_db()
    assert caption.times_used == 1
    unapproved = make_caption("no | no", approved=False)
    with pytest.raises(ValidationError):
        meme_services.meme_choose_caption(meme=meme, user=user, caption_id=unapproved.pk)


def test_publish_needs_a_ready_meme(user):
    queued = make_meme(user, status=Meme.Status.QUEUED, public=False)
    with pytest.raises(ValidationError):
        meme_services.meme_set_public(meme=queued, user=user, is_public=True)
    ready = make_meme(user, public=False)
    assert meme_services.meme_set_public(meme=ready, user=user, is_public=True).is_public


def test_like_toggle_counts_for_the_caption(user):
    caption = make_caption()
    meme = make_meme(make_user(), caption=caption)
    assert social.meme_like_toggle(meme=meme, user=user) is True
    caption.refresh_from_db()
    assert caption.likes == 1 and Like.objects.filter(meme=meme).count() == 1
    assert social.meme_like_toggle(meme=meme, user=user) is False
    caption.refresh_from_db()
    assert caption.likes == 0 and not Like.objects.exists()


def test_private_memes_cannot_be_liked_or_commented_by_others(user):
    meme = make_meme(make_user(), public=False)
    with pytest.raises(PermissionDenied):
        social.meme_like_toggle(meme=meme, user=user)
    with pytest.raises(PermissionDenied):
        social.comment_create(meme=meme, user=user, text="hi")


def test_comments(user):
    meme = make_meme(make_user())
    comment = social.comment_create(meme=meme, user=user, text="  nice one ")
    assert comment.text == "nice one"
    for bad in ("", "   ", "x" * 501, "\x00\x01"):
        with pytest.raises(ValidationError):
            social.comment_create(meme=meme, user=user, text=bad)
    # Control characters (PostgreSQL refuses NUL outright) go; line breaks stay.
    odd = social.comment_create(meme=meme, user=user, text="a\x00b\r\nc\u200b")
    assert odd.text == "ab\r\nc"
    odd.delete()
    with pytest.raises(PermissionDenied):
        social.comment_delete(comment=comment, user=make_user())
    social.comment_delete(comment=comment, user=meme.owner)
    assert not Comment.objects.exists()


def test_delete_removes_files(user, settings, django_capture_on_commit_callbacks):
    meme = make_meme(user)
    assert len(media_files(settings.MEDIA_ROOT)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        meme_services.meme_delete(meme=meme, user=user)
    assert not Meme.objects.exists() and media_files(settings.MEDIA_ROOT) == []


def test_user_delete_takes_memes_and_files(user, settings, django_capture_on_commit_callbacks):
    make_meme(user)
    make_meme(user, public=False)
    other = make_meme(make_user())
    with django_capture_on_commit_callbacks(execute=True):
        assert user_delete(user=user) == 2
    assert list(Meme.objects.all()) == [other]
    assert len(media_files(settings.MEDIA_ROOT)) == 3


def test_hide_memes():
    meme = make_meme()
    assert moderation.memes_set_hidden(memes=Meme.objects.all(), hidden=True) == 1
    meme.refresh_from_db()
    assert meme.is_hidden


def test_caption_seed_is_idempotent():
    # The data migration loaded them already; loading again adds nothing.
    assert Caption.objects.filter(source="seed").count() >= 7 * 40
    assert captions.caption_seed() == 0
    Caption.objects.filter(source="seed", emotion="fear").first().delete()
    assert captions.caption_seed() == 1


def test_caption_import_reports_every_skipped_row():
    make_caption("Already | here", emotion="sad")
    rows = [
        (
            2,
            {
                "Caption_ID": "1",
                "Facial_Expression": "Happiness",
                "Caption_Text": "Sun is out | so am I again",
            },
        ),
        (3, {"Caption_ID": "2", "Facial_Expression": "joyful", "Caption_Text": "x"}),
        (4, {"Caption_ID": "3", "Facial_Expression": "sad", "Caption_Text": "  "}),
        (5, {"Caption_ID": "4", "Facial_Expression": "4", "Caption_Text": "Already | here"}),
        (6, {"Caption_ID": "5", "Facial_Expression": "", "Caption_Text": "no label"}),
        (7, {"emotion": "angry", "text": "y" * 201}),
        (8, "not valid JSON"),
        (9, {"emotion": "surprise", "text": "Whoa | really"}),
        (10, {"emotion": "surprise", "text": "Whoa | really"}),
    ]
    report = captions.caption_import(rows=rows)
    assert report.created == 2
    reasons = dict(report.skipped)
    assert reasons[3] == "unknown emotion 'joyful'"
    assert reasons[4] == "empty caption text"
    assert reasons[5] == "duplicate of an existing caption"
    assert reasons[6] == "no emotion"
    assert "longer than 200" in reasons[7]
    assert reasons[8] == "not valid JSON"
    assert reasons[10] == "duplicate of an existing caption"
    imported = Caption.objects.get(text="Sun is out | so am I again")
    assert (imported.emotion, imported.source, imported.approved) == ("happy", "imported", False)


def test_relabel_skips_collisions_and_export_round_trips():
    a = make_caption("Same | text", emotion="sad")
    make_caption("Same | text", emotion="happy")
    b = make_caption("Other | text", emotion="sad")
    moved = captions.captions_relabel(captions=Caption.objects.filter(pk__in=[a.pk, b.pk]), emotion="happy")
    assert moved == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.emotion, b.emotion) == ("sad", "happy")
    with pytest.raises(ValidationError):
        captions.captions_relabel(captions=Caption.objects.all(), emotion="bored")
    out = io.StringIO()
    assert captions.captions_export_csv(captions=Caption.objects.filter(pk=b.pk), out=out) == 1
    header, row = out.getvalue().splitlines()
    assert header.startswith("Caption_ID,Facial_Expression,Caption_Text")
    assert row.startswith(f"{b.pk},happy,Other | text")


def test_check_validators():
    assert checks.check_topic("  cats   and dogs ") == "cats and dogs"
    assert checks.check_emotion("Happy") == "happy"
    assert checks.check_color("#ABCDEF") == "#abcdef"
    assert checks.check_font_size("75") == 75
    for check, bad in [
        (checks.check_topic, "t" * 61),
        (checks.check_emotion, "bored"),
        (checks.check_color, "#12345"),
        (checks.check_font_size, "big"),
    ]:
        with pytest.raises(ValidationError):
            check(bad)
