"""Celery tasks: thin wrappers over memes.services."""

import logging

from celery import shared_task
from django.db import DatabaseError

from . import services

logger = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong while making this meme. Please try again."


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=2)
def process_meme(self, meme_id: int) -> str:  # type: ignore[no-untyped-def]
    """Make the meme. Safe to run twice (meme_process is idempotent); every way out leaves the
    meme ready or failed with a reason, never stuck."""
    try:
        meme = services.meme_process(meme_id=meme_id)
    except services.MemeProcessingError as exc:
        services.meme_mark_failed(meme_id=meme_id, reason=str(exc))
        return "failed"
    except (DatabaseError, ConnectionError, TimeoutError) as exc:
        # Likely passing (database restart, storage hiccup): try again a few times first.
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from exc
        logger.exception("meme %s failed after retries", meme_id)
        services.meme_mark_failed(meme_id=meme_id, reason=GENERIC_FAILURE)
        return "failed"
    except Exception:
        logger.exception("meme %s failed", meme_id)
        services.meme_mark_failed(meme_id=meme_id, reason=GENERIC_FAILURE)
        return "failed"
    return "gone" if meme is None else meme.status
