"""Celery tasks: thin wrappers over memes.services.pipeline.

Imports go one way only: tasks -> services. The services queue jobs by task name
(pipeline.PROCESS_MEME_TASK), so they never import this module."""

import dataclasses
import logging
import threading
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError
from PIL import Image

from . import captioner
from .services import pipeline

logger = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong while making this meme. Please try again."


@shared_task(name=pipeline.PROCESS_MEME_TASK, bind=True, acks_late=True, max_retries=3, default_retry_delay=2)
def process_meme(self, meme_id: int, attempt: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """Make the meme for one attempt (None, from messages sent before attempts existed: the
    current one). A stale or duplicate delivery changes nothing ("stale", "busy"); every other way
    out leaves the meme ready, failed with a reason, or queued again for Celery's retry."""
    if attempt is None:
        attempt = pipeline.meme_current_attempt(meme_id=meme_id)
        if attempt is None:
            return "gone"
    try:
        meme = pipeline.meme_process(meme_id=meme_id, attempt=attempt)
    except pipeline.StaleAttempt:
        logger.info("meme %s: attempt %s is finished or superseded; dropped", meme_id, attempt)
        return "stale"
    except pipeline.JobBusy:
        logger.info("meme %s: attempt %s is running elsewhere; dropped", meme_id, attempt)
        return "busy"
    except pipeline.MemeProcessingError as exc:
        pipeline.meme_mark_failed(meme_id=meme_id, attempt=attempt, reason=str(exc))
        return "failed"
    except (DatabaseError, ConnectionError, TimeoutError) as exc:
        # Likely passing (database restart, storage hiccup): try again a few times first.
        if self.request.retries < self.max_retries:
            try:  # hand the attempt back so the retried message may take it
                pipeline.meme_release(meme_id=meme_id, attempt=attempt)
            except DatabaseError:  # then the sweeper restarts it once it counts as lost
                logger.warning("meme %s: could not release attempt %s", meme_id, attempt, exc_info=True)
            raise self.retry(exc=exc) from exc
        logger.exception("meme %s failed after retries", meme_id)
        pipeline.meme_mark_failed(meme_id=meme_id, attempt=attempt, reason=GENERIC_FAILURE)
        return "failed"
    except Exception:
        logger.exception("meme %s failed", meme_id)
        pipeline.meme_mark_failed(meme_id=meme_id, attempt=attempt, reason=GENERIC_FAILURE)
        return "failed"
    return "gone" if meme is None else meme.status


@shared_task(name="memes.tasks.sweep_memes", ignore_result=True)
def sweep_memes() -> dict[str, int]:
    """The sweeper, run by celery beat every MEME_SWEEP_INTERVAL_SECONDS (CELERY_BEAT_SCHEDULE):
    memes whose job was lost are sent again, restarted or reported failed."""
    return dataclasses.asdict(pipeline.memes_sweep())


@worker_ready.connect
def warm_up_models(sender: Any = None, **kwargs: Any) -> None:
    """Load the expression models as the worker starts, so the first person's meme isn't the slow
    one. Only for pools that run tasks in this process (solo, threads): prefork children load
    lazily on their first job."""
    pool_cls = getattr(getattr(sender, "controller", None), "pool_cls", None)
    pool_name = f"{getattr(pool_cls, '__module__', '')}.{getattr(pool_cls, '__name__', pool_cls)}".lower()
    if "solo" not in pool_name and "thread" not in pool_name:
        return

    def load() -> None:
        try:
            pipeline.default_analyzer(Image.new("RGB", (96, 96), (128, 128, 128)))  # face detector
            from ml.ensemble import get_ensemble  # the classifiers load only once a face is seen

            get_ensemble()
            logger.info("expression models loaded")
        except Exception:  # the first real job will report the problem on its meme
            logger.warning("could not warm up the expression models", exc_info=True)
        captioner.warm_up()  # the caption model too (it logs, never raises: jobs fall back to curated)

    threading.Thread(target=load, name="warm-up-models", daemon=True).start()
