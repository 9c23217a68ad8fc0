"""The conditioning format shared by training and generation (one home: change it here and retrain).

    <|im_start|>emotion: sad; topic: exams\\n  ->  Top text | bottom text<|im_end|>

"any" is the emotion-dropout token: training shows ~10 % of captions under it, so the model also learns
p(caption | topic) without an emotion, the denominator of the rerank's likelihood ratio.
"""

from __future__ import annotations

ANY_EMOTION = "any"
SEPARATOR = " | "
END = "<|im_end|>"


def caption_prompt(*, emotion: str, topic: str = "") -> str:
    topic = " ".join(topic.replace(";", ",").replace("\n", " ").split())
    return f"<|im_start|>emotion: {emotion}; topic: {topic}\n"


def caption_text(*, top: str, bottom: str) -> str:
    """'Top | bottom' as the model reads and writes it (and as the filters see it: the lines stay apart)."""
    return f"{top}{SEPARATOR}{bottom}".rstrip()


def caption_target(*, top: str, bottom: str) -> str:
    return caption_text(top=top, bottom=bottom) + END


def split_caption(text: str) -> tuple[str, str] | None:
    """'Top | bottom' -> (top, bottom); None when the model broke the format."""
    top, sep, bottom = text.replace(END, "").strip().partition("|")
    top, bottom = top.strip(), bottom.strip()
    if not top or "|" in bottom:
        return None
    return top, bottom
