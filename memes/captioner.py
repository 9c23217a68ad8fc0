"""The product's side of the caption writer (ml.caption): whether it is on, and calls to it that can
never break a meme. Any failure (switched off, weights missing, llama.cpp absent, a crash inside the
model) becomes CaptionerOff, logged once here, and the caller falls back to curated captions."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from PIL import Image

from . import captions as caption_rules
from .limits import MODEL_CAPTIONS_PER_MEME, TEXT_MAX_LENGTH, TOPIC_MAX_LENGTH

logger = logging.getLogger(__name__)


class CaptionerOff(Exception):
    """The model is switched off, or could not load or run; the message says which for people."""


@dataclass(frozen=True)
class WrittenCaption:
    top: str
    bottom: str

    @property
    def text(self) -> str:
        """The stored "TOP | BOTTOM" form (a Caption's text)."""
        return caption_rules.join_caption(self.top, self.bottom)


def captioner_enabled() -> bool:
    return bool(getattr(settings, "CAPTIONER_ENABLED", True))


def _line(text: str) -> str:
    return caption_rules.caption_line(str(text))[:TEXT_MAX_LENGTH]


def write_captions(
    *,
    emotion: str,
    topic: str = "",
    n: int = MODEL_CAPTIONS_PER_MEME,
    seed: int | None = None,
    avoid: Collection[tuple[str, str]] = (),
) -> list[WrittenCaption]:
    """Up to n model captions for an emotion (and topic), best first, past ml.caption's filters;
    any whose two lines are in `avoid` are left out. May be empty. Raises CaptionerOff."""
    if not captioner_enabled():
        raise CaptionerOff("The caption writer is switched off on this server.")
    try:
        from ml.caption import generate_captions  # loads nothing until first asked

        generated = generate_captions(emotion=emotion, topic=topic, n=n, seed=seed)
    except Exception as exc:  # CaptionerUnavailable or any failure inside the model: never the meme's
        logger.warning("caption model unavailable, using curated captions: %s", exc, exc_info=True)
        raise CaptionerOff("The caption writer is not available right now.") from exc
    avoid = {(_line(top), _line(bottom)) for top, bottom in avoid}
    written: list[WrittenCaption] = []
    for caption in generated:
        lines = (_line(caption.top), _line(caption.bottom))
        candidate = WrittenCaption(*lines)
        fits = len(candidate.text) <= TEXT_MAX_LENGTH  # stored as one Caption text
        if any(lines) and fits and lines not in avoid and candidate not in written:
            written.append(candidate)
    return written


def guess_photo_topic(image: Image.Image) -> str:
    """What the photo shows when the model is confident (e.g. "cat"), offered to the captioner as
    the topic when the person gave none; "" when unsure, switched off or failing."""
    if not captioner_enabled():
        return ""
    try:
        from ml.caption import photo_topic

        topic = photo_topic(image)
    except Exception:  # a missing topic is fine: the caption is written without one
        logger.warning("could not guess the photo's topic", exc_info=True)
        return ""
    return caption_rules.clean_text(topic or "")[:TOPIC_MAX_LENGTH]


def warm_up() -> None:
    """Load the caption model now (worker start), so the first meme isn't the slow one."""
    if not captioner_enabled():
        return
    try:
        from ml.caption import get_captioner

        get_captioner()
        logger.info("caption model loaded")
    except Exception:  # the first job falls back to curated captions and logs why
        logger.warning("could not load the caption model", exc_info=True)
