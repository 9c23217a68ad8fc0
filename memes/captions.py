"""Caption text rules, free of the database: how a caption becomes top and bottom text."""

import random
import re

from ml.emotions import EMOTIONS

TOPIC_PLACEHOLDER = "{topic}"
SEPARATOR = "|"

# Names people (and datasets) use for the seven labels. Numbers are FER-2013's label order.
EMOTION_ALIASES: dict[str, str] = {
    **{e: e for e in EMOTIONS},
    **{str(i): e for i, e in enumerate(EMOTIONS)},
    "anger": "angry",
    "mad": "angry",
    "disgusted": "disgust",
    "fearful": "fear",
    "scared": "fear",
    "afraid": "fear",
    "happiness": "happy",
    "joy": "happy",
    "sadness": "sad",
    "surprised": "surprise",
    "calm": "neutral",
}

_SPLIT_PUNCTUATION = re.compile(r"[,.;:!?…]\s+")


def normalize_emotion(value: str) -> str | None:
    """The canonical emotion name for a label, or None when it isn't one of ours."""
    return EMOTION_ALIASES.get(value.strip().lower())


def clean_text(text: str) -> str:
    # Collapse runs of whitespace (including newlines) and drop control characters.
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    return re.sub(r"\s+", " ", text).strip()


def fill_topic(text: str, topic: str) -> str:
    return text.replace(TOPIC_PLACEHOLDER, topic.strip() or "this")


def split_caption(text: str) -> tuple[str, str]:
    """Top and bottom text. "TOP | BOTTOM" splits at the bar; otherwise a long caption splits at the
    punctuation nearest its middle (setup on top, punchline below), and a short one goes to the bottom."""
    if SEPARATOR in text:
        top, bottom = text.split(SEPARATOR, 1)
        return clean_text(top), clean_text(bottom.replace(SEPARATOR, " "))
    text = clean_text(text)
    middle = len(text) / 2
    cuts = [m.end() for m in _SPLIT_PUNCTUATION.finditer(text) if 0 < m.end() < len(text)]
    if cuts:
        cut = min(cuts, key=lambda c: abs(c - middle))
        return text[:cut].strip(), text[cut:].strip()
    words = text.split(" ")
    if len(words) >= 6:
        half = len(words) // 2
        return " ".join(words[:half]), " ".join(words[half:])
    return "", text


def caption_texts(text: str, topic: str = "") -> tuple[str, str]:
    return split_caption(fill_topic(text, topic))


def like_rate_draw(*, likes: int, uses: int, rng: random.Random) -> float:
    """Thompson sampling: one draw from Beta(1 + likes, 1 + uses without a like), the caption's
    like rate as far as we know it. A liked caption usually draws high, but a new or rarely used
    one still draws high now and then, so it gets its chance (exploration) instead of a caption
    with two early likes winning every time. `likes` counts other people's likes only."""
    return rng.betavariate(1 + max(likes, 0), 1 + max(uses - likes, 0))


def caption_line(text: str) -> str:
    """One line of a caption as we store it: clean, with no bar (our separator) and no braces
    (a {topic} slot is ours to place, not the writer's)."""
    return clean_text(text.replace(SEPARATOR, " ").replace("{", "(").replace("}", ")"))


def join_caption(top: str, bottom: str) -> str:
    """The stored "TOP | BOTTOM" form of two lines; caption_texts() splits it back."""
    return f"{caption_line(top)} {SEPARATOR} {caption_line(bottom)}".strip()
