"""Files are deleted only once the row that stopped pointing at them is committed.

A rollback (of the service's own transaction or of one around it) leaves every file the database
still names in place: re-rendering, processing and deleting a meme.
"""

import pytest
from django.db import DatabaseError, transaction

from memes.models import Meme
from memes.services import memes as meme_services
from memes.services import pipeline
from memes.tasks import process_meme
from tests.conftest import media_files
from tests.factories import make_meme

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def _files(meme: Meme) -> list[str]:
    return [meme.photo.name, meme.image.name, meme.thumbnail.name]


def _exist(meme: Meme) -> bool:
    return all(meme.photo.storage.exists(name) for name in _files(meme))


def test_rerender_deletes_the_old_files_only_after_commit(user, django_capture_on_commit_callbacks):
    meme = make_meme(user)
    old = _files(meme)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        meme_services.meme_update(meme=meme, user=user, top_text="new")
        # Saved but not committed: the old files are still there for the committed row.
        assert all(meme.photo.storage.exists(name) for name in old)
    for callback in callbacks:
        callback()
    meme.refresh_from_db()
    assert not meme.image.storage.exists(old[1]) and not meme.image.storage.exists(old[2])
    assert _exist(meme)


def test_rerender_rolled_back_keeps_the_files_the_row_names(user):
    meme = make_meme(user)
    with pytest.raises(Boom), transaction.atomic():
        meme_services.meme_update(meme=meme, user=user, top_text="new")
        raise Boom
    meme.refresh_from_db()
    assert meme.top_text != "new" and _exist(meme)


def test_rerender_whose_save_fails_keeps_the_old_files_and_leaves_no_new_ones(user, settings, monkeypatch):
    meme = make_meme(user)
    before = media_files(settings.MEDIA_ROOT)

    def refuse(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(Meme, "save", refuse)
    with pytest.raises(DatabaseError):
        meme_services.meme_update(meme=meme, user=user, top_text="new")
    monkeypatch.undo()
    meme.refresh_from_db()
    assert _exist(meme) and media_files(settings.MEDIA_ROOT) == before


def test_reprocessing_replaces_files_only_on_commit(user, fake_analysis, settings):
    meme = make_meme(user, status=Meme.Status.QUEUED)
    meme.image.name, meme.thumbnail.name = "", ""
    first = process_meme.apply(args=[meme.pk], kwargs={"attempt": meme.attempt}).get()
    assert first == "ready"
    meme.refresh_from_db()
    with pytest.raises(Boom), transaction.atomic():
        Meme.objects.filter(pk=meme.pk).update(status=Meme.Status.QUEUED)
        pipeline.meme_process(meme_id=meme.pk, attempt=meme.attempt)
        raise Boom
    meme.refresh_from_db()
    assert meme.is_ready and _exist(meme)


def test_delete_rolled_back_keeps_row_and_files(user):
    meme = make_meme(user)
    pk = meme.pk
    with pytest.raises(Boom), transaction.atomic():
        meme_services.meme_delete(meme=meme, user=user)
        raise Boom
    assert _exist(Meme.objects.get(pk=pk))


def test_delete_removes_the_files_on_commit(user, settings, django_capture_on_commit_callbacks):
    meme = make_meme(user)
    with django_capture_on_commit_callbacks(execute=True):
        meme_services.meme_delete(meme=meme, user=user)
        assert len(media_files(settings.MEDIA_ROOT)) == 3  # not yet: the delete is not committed
    assert not Meme.objects.exists() and media_files(settings.MEDIA_ROOT) == []
