"""Batched llama.cpp runtime for the captioner: k candidates decoded side by side, and many captions scored in
one forward pass.

On a 2-CPU machine a 135M model is bound by reading its weights, not by arithmetic, so decoding 4 sequences
in one batch costs about as much as decoding one: the candidates share each step instead of running one after
another. The prompt is evaluated once and shared by every candidate (its KV cells get all their sequence ids).

llama-cpp-python's high-level `Llama` keeps one sequence per context, so this uses its thin wrappers
(`llama_cpp._internals`) over the C API; llama-cpp-python is pinned exactly in requirements.txt.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.caption.model_files import CaptionerUnavailable
from ml.lazyimport import import_fresh

MAX_SEQUENCES = 16  # candidates or scored captions in one batch
CONTEXT_CELLS = 2048  # KV cells shared by all sequences (a prompt + caption is ~60)
BATCH_TOKENS = 1024


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.9
    top_k: int = 50
    top_p: float = 0.95
    min_p: float = 0.02
    guidance: float = 1.0  # classifier-free guidance scale; 1.0 samples from the prompt alone


@dataclass(frozen=True)
class Sample:
    tokens: tuple[int, ...]  # without the stop token
    logp: float  # log p(tokens + end | prompt) under the unmodified model (temperature 1, no guidance)
    logp_baseline: float  # log p(tokens + end | baseline prompt)
    finished: bool  # False when it hit max_tokens or alive() said no before a stop token


def _log_softmax_at(logits: np.ndarray, token: int) -> float:
    peak = float(logits.max())
    return float(logits[token]) - peak - float(np.log(np.exp(logits - peak).sum()))


def _draw(logits: np.ndarray, rng: np.random.Generator, how: Sampling, banned: set[int] | None = None) -> int:
    """top-k, then temperature, min-p and top-p, as llama.cpp's default sampler chain does; never a banned
    token (one whose word was already refused at this place)."""
    if banned:
        logits = logits.copy()
        logits[list(banned)] = -np.inf
    top = np.argpartition(logits, -how.top_k)[-how.top_k :]
    top = top[np.argsort(logits[top])[::-1]]
    z = logits[top].astype(np.float64) / how.temperature
    p = np.exp(z - z[0])
    p /= p.sum()
    keep = p >= how.min_p * p[0]
    keep &= np.concatenate(([True], np.cumsum(p)[:-1] < how.top_p))
    p = np.where(keep, p, 0.0)
    return int(top[rng.choice(len(top), p=p / p.sum())])


class Engine:
    """One model + LoRA adapter + one multi-sequence context. Not thread-safe: callers serialise."""

    def __init__(self, *, model_path: Path, adapter_path: Path, threads: int):
        try:
            # A failed import is not remembered (ml.lazyimport): once fixed, the next call loads it.
            c = import_fresh("llama_cpp")
            internals = import_fresh("llama_cpp._internals")
            import_fresh("llama_cpp._logger").set_verbose(False)  # llama.cpp logs every load to stderr
        except ImportError as exc:  # pragma: no cover - requirements.txt installs it
            raise CaptionerUnavailable(f"llama-cpp-python is not installed: {exc}") from exc
        try:
            model_params = c.llama_model_default_params()
            self.model = internals.LlamaModel(path_model=str(model_path), params=model_params, verbose=False)
            params = c.llama_context_default_params()
            params.n_ctx = CONTEXT_CELLS
            params.n_batch = params.n_ubatch = BATCH_TOKENS
            params.n_seq_max = MAX_SEQUENCES
            params.kv_unified = True  # a shared prompt is stored once for all sequences
            params.n_threads = params.n_threads_batch = threads
            params.no_perf = True
            self.ctx = internals.LlamaContext(model=self.model, params=params, verbose=False)
            self._adapter = c.llama_adapter_lora_init(self.model.model, str(adapter_path).encode())
            if not self._adapter:
                raise RuntimeError("llama_adapter_lora_init failed")
            adapters = (c.llama_adapter_lora_p_ctypes * 1)(self._adapter)
            if c.llama_set_adapters_lora(self.ctx.ctx, adapters, 1, (ctypes.c_float * 1)(1.0)):
                raise RuntimeError("llama_set_adapters_lora failed")
        except (ValueError, RuntimeError, OSError) as exc:
            raise CaptionerUnavailable(
                f"llama.cpp could not load {model_path} + {adapter_path}: {exc}"
            ) from exc
        self.batch = internals.LlamaBatch(
            n_tokens=BATCH_TOKENS, embd=0, n_seq_max=MAX_SEQUENCES, verbose=False
        )
        self.n_vocab = self.model.n_vocab()

    # -- tokens
    def tokenize(self, text: str) -> list[int]:
        return self.model.tokenize(text.encode(), add_bos=False, special=True)

    def detokenize(self, tokens: Sequence[int]) -> str:
        return self.model.detokenize(list(tokens)).decode("utf-8", errors="ignore")

    def eos(self) -> int:
        return self.model.token_eos()

    # -- batches
    def _decode(self, entries: list[tuple[int, int, Sequence[int], bool]]) -> None:
        """entries: (token, position, sequence ids, want logits) in batch order."""
        if len(entries) > BATCH_TOKENS:  # the batch's C arrays hold BATCH_TOKENS entries
            raise ValueError(f"{len(entries)} tokens in one batch; at most {BATCH_TOKENS}")
        b = self.batch.batch
        b.n_tokens = len(entries)
        for i, (token, pos, seqs, logits) in enumerate(entries):
            b.token[i] = token
            b.pos[i] = pos
            b.n_seq_id[i] = len(seqs)
            for j, s in enumerate(seqs):
                b.seq_id[i][j] = s
            b.logits[i] = logits
        self.ctx.decode(self.batch)

    def _forget(self, seq: int, start: int) -> None:
        """Drop a sequence's KV cells from position `start` on (a rewound candidate)."""
        if not self.ctx.kv_cache_seq_rm(seq, start, -1):
            raise RuntimeError(f"llama.cpp could not drop sequence {seq}'s cells from {start}")

    def _logits(self, i: int) -> np.ndarray:
        row = np.ctypeslib.as_array(self.ctx.get_logits_ith(i), shape=(self.n_vocab,))
        return row.copy()

    def sample(
        self,
        prompt: list[int],
        *,
        baseline: list[int],
        seeds: Sequence[int],
        stop: set[int],
        max_tokens: int,
        how: Sampling,
        alive: Callable[[list[int]], bool] = lambda tokens: True,
        accept: Callable[[tuple[int, ...]], bool] = lambda tokens: True,
        rewind: Callable[[list[int], bool], int | None] = lambda tokens, final: None,
        max_rewinds: int = 0,
        enough: int | None = None,
        patience: int | None = None,
    ) -> list[Sample]:
        """One sampled continuation of `prompt` per seed, all decoded side by side, each with a shadow
        sequence that reads the same tokens after `baseline` (the unconditioned prompt). Each step draws
        from classifier-free guidance, baseline + how.guidance * (prompt - baseline) in logits, and the
        shadows give log p(tokens | baseline), the rerank's denominator, at no extra pass.
        A sequence for which alive(tokens so far) turns False stops at once (finished=False); one that
        stops but that accept(tokens) refuses is finished=False too. Once `enough` sequences have stopped
        and been accepted, the others are cut short (finished=False): nobody waits for the longest. With
        `patience`, once one sequence has been accepted the others get at most that many more steps.
        With `max_rewinds`, a sequence that alive() or accept() refuses asks rewind(tokens, final) where to
        go back to (a token count, or None to give up): its tokens from there are dropped, its KV cells
        too, and the token it had drawn there is banned at that place, so it draws another word instead of
        being lost (the filter steers decoding instead of only rejecting). At most max_rewinds a sequence."""
        k = len(seeds)
        if not 1 <= 2 * k <= MAX_SEQUENCES:
            raise ValueError(f"between 1 and {MAX_SEQUENCES // 2} candidates at a time, not {k}")
        end = min(stop)  # the stop token whose probability closes the caption's likelihood
        self.ctx.kv_cache_clear()
        main, shadow = tuple(range(k)), tuple(range(k, 2 * k))
        self._decode(
            [(t, pos, main, pos == len(prompt) - 1) for pos, t in enumerate(prompt)]
            + [(t, pos, shadow, pos == len(baseline) - 1) for pos, t in enumerate(baseline)]
        )
        first_rows = self._logits(len(prompt) - 1), self._logits(len(prompt) + len(baseline) - 1)
        rows, base_rows = [first_rows[0]] * k, [first_rows[1]] * k
        rngs = [np.random.default_rng(seed) for seed in seeds]
        out: list[list[int]] = [[] for _ in range(k)]
        # Per token, log p under the prompt and under the baseline: a rewind drops its share.
        logps: list[list[float]] = [[] for _ in range(k)]
        logps_base: list[list[float]] = [[] for _ in range(k)]
        banned: list[dict[int, set[int]]] = [{} for _ in range(k)]  # per sequence: place -> refused tokens
        rewinds = [0] * k
        done: list[bool | None] = [None] * k  # None: still going; True: stopped; False: can't be used
        first_accepted: int | None = None  # the step at which a sequence was first accepted

        def go_back(s: int, final: bool) -> bool:
            """Rewind sequence s if rewind() says where; False when it gives up."""
            keep = rewind(out[s], final) if rewinds[s] < max_rewinds else None
            if keep is None or not 0 <= keep < len(out[s]):
                return False
            rewinds[s] += 1
            banned[s].setdefault(keep, set()).add(out[s][keep])
            del out[s][keep:], logps[s][keep:], logps_base[s][keep:]
            # Drop the cells from the last kept token on; the next decode writes it again and so brings
            # back the logits for place `keep` (with nothing kept, they are the prompt's).
            self._forget(s, len(prompt) + keep - 1 if keep else len(prompt))
            self._forget(k + s, len(baseline) + keep - 1 if keep else len(baseline))
            if not keep:
                rows[s], base_rows[s] = first_rows
            return True

        for step in range(max_tokens + 1):
            for s in range(k):
                if done[s] is not None:
                    continue
                guided = base_rows[s] + how.guidance * (rows[s] - base_rows[s])
                token = _draw(guided, rngs[s], how, banned[s].get(len(out[s])))
                scored = end if token in stop else token
                logps[s].append(_log_softmax_at(rows[s], scored))
                logps_base[s].append(_log_softmax_at(base_rows[s], scored))
                if token in stop:
                    if accept(tuple(out[s])):
                        done[s] = True
                    else:
                        logps[s].pop(), logps_base[s].pop()  # the stop is not a token of the caption
                        if not go_back(s, True):
                            done[s] = False
                elif step == max_tokens:
                    done[s] = False
                else:
                    out[s].append(token)
                    if not alive(out[s]) and not go_back(s, False):
                        done[s] = False
            going = [s for s in range(k) if done[s] is None]
            if first_accepted is None and True in done:
                first_accepted = step
            waited_enough = (
                patience is not None and first_accepted is not None and step - first_accepted >= patience
            )
            if not going or waited_enough or (enough is not None and done.count(True) >= enough):
                break
            going = [s for s in going if out[s]]  # a sequence rewound to nothing has the prompt's rows
            entries = []
            for s in going:
                entries.append((out[s][-1], len(prompt) + len(out[s]) - 1, (s,), True))
                entries.append((out[s][-1], len(baseline) + len(out[s]) - 1, (k + s,), True))
            if entries:
                self._decode(entries)
            for i, s in enumerate(going):
                rows[s], base_rows[s] = self._logits(2 * i), self._logits(2 * i + 1)
        logp = [sum(lp) for lp in logps]
        logp_base = [sum(lp) for lp in logps_base]
        return [Sample(tuple(out[s]), logp[s], logp_base[s], bool(done[s])) for s in range(k)]

    def score(self, pairs: Sequence[tuple[list[int], Sequence[int]]], *, end: int) -> list[float]:
        """log p(caption + end | prompt) for each (prompt, caption), in as few forward passes as fit."""
        scores: list[float] = []
        group: list[tuple[list[int], Sequence[int]]] = []
        size = 0
        for prompt, caption in pairs:
            need = len(prompt) + len(caption)
            if group and (len(group) == MAX_SEQUENCES or size + need > BATCH_TOKENS):
                scores += self._score_group(group, end=end)
                group, size = [], 0
            group.append((prompt, caption))
            size += need
        if group:
            scores += self._score_group(group, end=end)
        return scores

    def _score_group(self, group: list[tuple[list[int], Sequence[int]]], *, end: int) -> list[float]:
        """Each distinct prompt is evaluated once, shared by the captions that follow it (the rerank
        scores all candidates under one prompt); each caption then runs as its own sequence."""
        self.ctx.kv_cache_clear()
        by_prompt: dict[tuple[int, ...], list[int]] = {}
        for s, (prompt, _) in enumerate(group):
            by_prompt.setdefault(tuple(prompt), []).append(s)
        entries: list[tuple[int, int, Sequence[int], bool]] = []
        prompt_row: dict[tuple[int, ...], int] = {}  # batch index of each prompt's last token
        for prompt, seqs in by_prompt.items():
            prompt_row[prompt] = len(entries) + len(prompt) - 1
            entries += [(t, pos, seqs, pos == len(prompt) - 1) for pos, t in enumerate(prompt)]
        rows: list[list[int]] = []  # per sequence: the batch indices whose logits predict each target
        for s, (prompt, caption) in enumerate(group):
            first = len(entries)
            entries += [(t, len(prompt) + j, (s,), True) for j, t in enumerate(caption)]
            rows.append([prompt_row[tuple(prompt)], *range(first, first + len(caption))])
        self._decode(entries)
        return [
            sum(_log_softmax_at(self._logits(i), t) for i, t in zip(row, [*caption, end], strict=True))
            for row, (_, caption) in zip(rows, group, strict=True)
        ]
