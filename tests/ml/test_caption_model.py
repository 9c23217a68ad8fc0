"""The captioner end to end: the adapter loads offline, conditioning matters, the CLI keeps its contract."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import ml.caption.generator as generator
from ml.caption import CaptionerUnavailable, generate_captions, get_captioner, is_caption_safe
from ml.caption.generator import MAX_LINE_CHARS
from ml.caption.prompt import caption_prompt

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _ok(top: str, bottom: str) -> bool:
    return (
        bool(top)
        and len(top) <= MAX_LINE_CHARS
        and len(bottom) <= MAX_LINE_CHARS
        and is_caption_safe(f"{top} {bottom}")
        and not get_captioner().ngrams.is_copy(top, bottom)
    )


def test_loads_and_generates_with_networking_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(generator, "_captioner", None)  # load afresh under the guard
    captions = generate_captions(emotion="happy", topic="pizza", n=2, seed=3)
    assert captions and all(_ok(c.top, c.bottom) for c in captions)
    assert [c.score for c in captions] == sorted((c.score for c in captions), reverse=True)


def test_same_seed_is_reproducible_and_emotion_changes_the_output() -> None:
    happy = generate_captions(emotion="happy", n=3, seed=11)
    assert happy == generate_captions(emotion="happy", n=3, seed=11)
    sad = generate_captions(emotion="sad", n=3, seed=11)
    assert {(c.top, c.bottom) for c in happy} != {(c.top, c.bottom) for c in sad}


def test_emotion_conditioning_shifts_the_likelihood() -> None:
    """A curated happy line is likelier under 'happy' than 'sad', and the reverse for a sad one."""
    captioner = get_captioner()
    happy = {"top": "Day off", "bottom": "no alarm"}
    sad = {"top": "When the holiday", "bottom": "is over"}
    assert captioner.log_likelihood(**happy, emotion="happy") > captioner.log_likelihood(
        **happy, emotion="sad"
    )
    assert captioner.log_likelihood(**sad, emotion="sad") > captioner.log_likelihood(**sad, emotion="happy")


def test_topic_is_mentioned() -> None:
    # (seed 5 comes back empty since guidance 2.5: every candidate was a near-copy of an ImgFlip caption)
    captions = generate_captions(emotion="angry", topic="homework", n=3, seed=6)
    assert any("homework" in f"{c.top} {c.bottom}".lower() for c in captions)


def test_unknown_emotion_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown emotion"):
        generate_captions(emotion="smug")


def test_failed_load_is_not_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(generator, "_captioner", None)
    monkeypatch.setattr(generator, "ADAPTER_PATH", tmp_path / "missing.gguf")
    with pytest.raises(CaptionerUnavailable, match="missing"):
        get_captioner()
    monkeypatch.undo()
    monkeypatch.setattr(generator, "_captioner", None)
    assert get_captioner() is get_captioner()


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ml.caption", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_json_contract() -> None:
    done = _cli("--emotion", "sad", "--topic", "exams", "--n", "3", "--seed", "7", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert isinstance(rows, list) and 1 <= len(rows) <= 3
    for row in rows:
        assert set(row) == {"top", "bottom"}
        assert _ok(row["top"], row["bottom"])


def test_cli_rejects_bad_arguments() -> None:
    assert _cli("--emotion", "smug", "--json").returncode == 2
    assert _cli("--emotion", "sad", "--n", "0", "--json").returncode == 2


def test_batched_scores_match_scoring_one_at_a_time() -> None:
    """The rerank scores all candidates in one pass with a shared prompt: same numbers as one by one."""
    captioner = get_captioner()
    engine = captioner.engine
    sad, happy = (engine.tokenize(caption_prompt(emotion=e, topic="exams")) for e in ("sad", "happy"))
    captions = [engine.tokenize(text) for text in ("Exams tomorrow | I know nothing", "Passed | all of them")]
    pairs = [(sad, captions[0]), (sad, captions[1]), (happy, captions[0])]
    together = engine.score(pairs, end=captioner.end_token)
    alone = [engine.score([pair], end=captioner.end_token)[0] for pair in pairs]
    # Quantised kernels round a little differently by batch size (seen: up to ~0.4 nats over a caption);
    # a token read from the wrong row would be off by several nats.
    assert together == pytest.approx(alone, abs=0.5)
    assert abs(together[0] - together[1]) > 1.0  # each caption got its own rows


def test_sampled_likelihood_is_the_models_likelihood() -> None:
    """What sampling adds up step by step is log p(caption + end | prompt) and, in the shadow sequences,
    log p(caption + end | any emotion): the rerank's ratio, whatever the guidance sampled from."""
    captioner = get_captioner()
    found = captioner.candidates(emotion="sad", topic="exams", k=4, seed=21)
    assert found
    prompt = captioner.engine.tokenize(caption_prompt(emotion="sad", topic="exams"))
    baseline = captioner.engine.tokenize(caption_prompt(emotion="any", topic="exams"))
    for c in found:
        assert c.logp == pytest.approx(
            captioner.engine.score([(prompt, c.tokens)], end=captioner.end_token)[0]
        )
        assert c.logp_any == pytest.approx(
            captioner.engine.score([(baseline, c.tokens)], end=captioner.end_token)[0], abs=0.5
        )


def test_a_candidate_that_cannot_fit_stops_early() -> None:
    engine = get_captioner().engine
    prompt = engine.tokenize(caption_prompt(emotion="happy"))
    samples = engine.sample(
        prompt,
        baseline=engine.tokenize(caption_prompt(emotion="any")),
        seeds=[1, 2, 3],
        stop={get_captioner().end_token},
        max_tokens=32,
        how=generator.SAMPLING,
        alive=lambda tokens: len(tokens) < 3,
    )
    assert len(samples) == 3
    assert all(len(s.tokens) <= 3 for s in samples)
    assert all(not s.finished for s in samples if len(s.tokens) == 3)


def test_sampling_drops_a_candidate_once_its_finished_words_are_blocked() -> None:
    captioner = get_captioner()

    def fits(tokens: list[int]) -> bool:  # the alive() rule the sampler is given
        return captioner._still_fits(tokens, "")

    assert fits(captioner.engine.tokenize("When the pizza arrives | ten"))
    assert not fits(captioner.engine.tokenize("I got drunk and"))
    assert fits(captioner.engine.tokenize("My new pill"))  # the last word may still become "pillow"
    assert fits(captioner.engine.tokenize("Wa"))  # no word is finished yet (not a lone "W")
    assert not fits(captioner.engine.tokenize("a | b | c"))
    assert not fits(captioner.engine.tokenize("x" * 81))
    assert not fits(captioner.engine.tokenize("Me and Kevin at"))  # a name the topic did not give
    assert captioner._still_fits(captioner.engine.tokenize("Me and Kevin at"), "Kevin")


def test_a_refused_token_is_drawn_again_and_the_likelihood_stays_the_models() -> None:
    """Rewinds: a sequence that alive() refuses goes back, its KV cells dropped, and draws another token
    there. Nothing refused is left in a finished sample, and log p is still the model's own (cells left
    over from the dropped tokens would change the logits)."""
    engine = get_captioner().engine
    end = get_captioner().end_token
    prompt, baseline = (engine.tokenize(caption_prompt(emotion=e)) for e in ("happy", "any"))

    def refused(token: int) -> bool:
        return "e" in engine.detokenize([token]).lower()  # the commonest letter: many rewinds

    args = {"baseline": baseline, "stop": {end}, "max_tokens": 16, "how": generator.SAMPLING}
    samples = engine.sample(
        prompt,
        **args,
        seeds=[1, 2, 3, 4],
        alive=lambda tokens: not refused(tokens[-1]),
        rewind=lambda tokens, final: len(tokens) - 1,  # the refused token only
        max_rewinds=200,
    )
    finished = [s for s in samples if s.finished]
    assert finished
    for s in finished:
        assert not any(refused(t) for t in s.tokens)
        assert s.logp == pytest.approx(engine.score([(prompt, s.tokens)], end=end)[0], abs=0.5)
    # Without rewinds the same rule ends every sequence at its first "e".
    strict = engine.sample(prompt, **args, seeds=[1, 2, 3, 4], alive=lambda tokens: not refused(tokens[-1]))
    assert sum(s.finished for s in strict) < len(finished)
    # A rewind that names no token to go back to gives up instead of failing.
    nowhere = engine.sample(
        prompt,
        **args,
        seeds=[1, 2],
        accept=lambda tokens: False,
        rewind=lambda tokens, final: len(tokens),
        max_rewinds=5,
    )
    assert not any(s.finished for s in nowhere)


def test_a_blocked_word_is_rewound_to_where_it_starts() -> None:
    captioner = get_captioner()
    tokens = captioner.engine.tokenize("I got drunk and")
    keep = captioner._rewind_to(tokens, "", final=False)
    assert keep is not None
    assert captioner.engine.detokenize(tokens[:keep]) == "I got"
    # A put-down goes back to where it opens, not to its last word.
    tokens = captioner.engine.tokenize("Oh so you're telling me that")
    assert captioner._rewind_to(tokens, "", final=False) == 0
    # The last word of a finished caption counts; a format broken for good is not rewound.
    tokens = captioner.engine.tokenize("When the pizza | is 420")
    keep = captioner._rewind_to(tokens, "", final=True)
    assert keep is not None
    assert captioner.engine.detokenize(tokens[:keep]).rstrip() == "When the pizza | is"
    assert captioner._rewind_to(captioner.engine.tokenize("a | b | c d"), "", final=False) is None
    assert captioner._rewind_to(captioner.engine.tokenize("When the pizza arrives"), "", final=True) is None


def test_decoding_stops_once_enough_candidates_are_usable() -> None:
    engine = get_captioner().engine
    prompt, baseline = (engine.tokenize(caption_prompt(emotion=e)) for e in ("happy", "any"))
    args = {"baseline": baseline, "seeds": [1, 2, 3, 4], "stop": {get_captioner().end_token}}
    args |= {"max_tokens": 24, "how": generator.SAMPLING}
    full = engine.sample(prompt, **args)
    cut = engine.sample(prompt, **args, enough=1)
    shortest = min(len(s.tokens) for s in full if s.finished)
    assert sum(s.finished for s in cut) >= 1
    for c, f in zip(cut, full, strict=True):
        assert f.tokens[: len(c.tokens)] == c.tokens  # the same draws, cut short
        assert len(c.tokens) <= shortest + 1
    refused = engine.sample(prompt, **args, accept=lambda tokens: False)
    assert not any(s.finished for s in refused)
    # With patience, the others get that many more tokens once the first is usable, then stop.
    patient = engine.sample(prompt, **args, enough=4, patience=2)
    for c, f in zip(patient, full, strict=True):
        assert f.tokens[: len(c.tokens)] == c.tokens
        assert len(c.tokens) <= shortest + 2 + 1
    assert sum(s.finished for s in patient) >= 1


def test_a_caption_the_judge_reads_as_unfit_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The word lists let this through; the judge of meaning does not, so the model may not show it."""
    captioner = get_captioner()
    top, bottom = "When you take her home", "and she is too young to say no"
    assert is_caption_safe(f"{top} | {bottom}", strict=True) and not captioner.ngrams.is_copy(top, bottom)
    assert not captioner._may_show(top, bottom, "")
    monkeypatch.setattr(captioner, "judge", None)  # the word-list bar alone (ml.caption.shown_sample)
    assert captioner._may_show(top, bottom, "")
