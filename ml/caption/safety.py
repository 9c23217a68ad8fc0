"""The offensive-caption filter: every caption we show (generated or suggested by a person) goes through it.

Three layers, any one blocks:
1. our blocklist (ml/caption/blocklist.txt): slurs better-profanity lacks, violence, real people, politics,
   religion and groups of people;
2. better-profanity's maintained word list, minus an allow-list of mild words it over-blocks ("omg", "hell",
   "kill" in "this exam will kill me"). Its own matcher costs ~70 ms a call, so the list is compiled into
   one regex;
3. alt-profanity-check's linear model (insults the lists miss), at a threshold high enough that "I hate
Mondays"
   passes.
Text is normalised first (lower case, leetspeak undone, letters repeated 3+ times squeezed) so "H1TLERRR" is
caught.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

BLOCKLIST_PATH = Path(__file__).with_name("blocklist.txt")

# Mild words better-profanity lists that memes use harmlessly ("omg", "what the hell", "this will kill me").
ALLOWED_WORDS: frozenset[str] = frozenset(
    {
        "omg",
        "hell",
        "kill",
        "killed",
        "killing",
        "god",
        "damn",
        "crap",
        "poop",
        "fart",
        "drunk",
        "stupid",
        "suck",
    }
    # ...and ordinary words on its list: a program's "len", a cooking "pot", "pawn" in chess, "lmao".
    | {
        "len",
        "lmao",
        "pot",
        "rum",
        "maxi",
        "pawn",
        "loin",
        "hemp",
        "womb",
        "ovum",
        "xx",
        "xxx",
        "racy",
        "teat",
    }
)
# alt-profanity-check probability above which a caption is blocked ("I hate Mondays" scores 0.91, "you are
# an idiot" 0.99999).
MODEL_THRESHOLD = 0.93
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})

_model_lock = threading.Lock()


def normalise(text: str) -> str:
    """Lower case, leetspeak undone, runs of one letter squeezed to two, words joined by single spaces."""
    text = re.sub(r"(?<=[a-z])!(?=[a-z])", "i", text.lower()).translate(LEET)  # "sh!t", not "wow!!"
    text = re.sub(r"(.)\1{2,}", r"\1\1", text)
    return " ".join(re.findall(r"[a-z']+", text.replace("'", "")))


def _pattern(entries: list[str]) -> re.Pattern[str]:
    parts = []
    for entry in sorted(set(entries), key=len, reverse=True):
        stem = entry.rstrip("*")
        words = [re.escape(w) for w in normalise(stem).split()]
        if not words:
            continue
        body = r"\s?".join(words)
        parts.append(body + (r"[a-z]*" if entry.endswith("*") else r"s?"))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


@lru_cache(maxsize=1)
def _word_pattern() -> re.Pattern[str]:
    ours = [
        line.strip().lower()
        for line in BLOCKLIST_PATH.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    listed = (
        resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    )
    # One entry a line (some are phrases); entries under 3 letters once normalised ("2", "1") would
    # match anything.
    theirs = [w.strip().lower() for w in listed.splitlines() if w.strip().lower() not in ALLOWED_WORDS]
    theirs = [w for w in theirs if len(normalise(w)) >= 3]
    return _pattern(ours + theirs)


@lru_cache(maxsize=1)
def _profanity_model():  # -> (vectorizer, model); imported lazily: joblib-loading costs ~0.3 s
    with _model_lock:
        from profanity_check import profanity_check

        return profanity_check.vectorizer, profanity_check.model


def blocked_words(text: str) -> list[str]:
    """The blocklist / word-list matches in text (empty when none); used by tests and the corpus report."""
    return [m.group(0) for m in _word_pattern().finditer(normalise(text))]


def profanity_scores(texts: list[str]) -> list[float]:
    """alt-profanity-check's probability that each text is offensive (batched: ~5 µs a caption)."""
    if not texts:
        return []
    vectorizer, model = _profanity_model()
    return [float(p) for p in model.predict_proba(vectorizer.transform(texts))[:, 1]]


def safe_mask(texts: list[str]) -> list[bool]:
    """is_caption_safe for many texts at once (one model call)."""
    scores = profanity_scores(texts)
    return [not blocked_words(t) and s < MODEL_THRESHOLD for t, s in zip(texts, scores, strict=True)]


def is_caption_safe(text: str) -> bool:
    """True when text passes the blocklist, the word list and the offensive-language model."""
    return safe_mask([text])[0]
