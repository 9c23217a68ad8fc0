"""The captioner: a LoRA-tuned SmolLM2-135M writes meme captions for an emotion and an optional topic.

    from ml.caption import generate_captions
    generate_captions(emotion="sad", topic="exams", n=3, seed=1)  # -> [GeneratedCaption(top, bottom,
    score), ...]

Modules: prompt (conditioning format), corpus (ImgFlip -> training data), train / export (LoRA -> GGUF),
generator (llama.cpp runtime + rerank), safety (offensive filter), originality (hashed n-grams of ImgFlip),
topic (photo -> ImageNet label), evaluate (python -m ml.caption_eval). CLI: python -m ml.caption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml.caption.generator import Captioner, GeneratedCaption, generate_captions, get_captioner
from ml.caption.model_files import CaptionerUnavailable
from ml.caption.safety import is_caption_safe

if TYPE_CHECKING:
    from PIL import Image


def photo_topic(image: Image.Image) -> str:
    """The photo's confident ImageNet label as a topic, or '' to leave it out (ml.caption.topic)."""
    from ml.caption.topic import photo_topic as _photo_topic  # torch + MobileNet load only when used

    return _photo_topic(image)


__all__ = [
    "Captioner",
    "CaptionerUnavailable",
    "GeneratedCaption",
    "generate_captions",
    "get_captioner",
    "is_caption_safe",
    "photo_topic",
]
