"""The reads judge's training (ml.caption.train_reads_judge): its fit, the leave-one-read-out measure, and a
whole run on small files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml.caption.judge import JudgeWeights
from ml.caption.train_judge import ModelRead
from ml.caption.train_reads_judge import fit_reads_judge, leave_one_read_out, main

FIT = {"weights": {"unfit": 20.0, "fit": 3.0, "curated": 20.0}, "hidden": 16, "seed": 0, "seeds": 1}


def clusters(rng: np.random.Generator, n: int, centre: np.ndarray) -> np.ndarray:
    """Unit-length vectors near a centre, as the encoder's are."""
    vectors = centre + rng.normal(scale=0.1, size=(n, len(centre)))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def toy() -> tuple[list[ModelRead], np.ndarray, np.ndarray]:
    """Three reads of 1,000 captions each, 100 unfit or borderline ones near one direction, the fit ones near
    another (enough of them for the perceptron's 50 epochs to learn it)."""
    rng = np.random.default_rng(0)
    unfit_centre, fit_centre = np.eye(32)[0], np.eye(32)[1]
    rows, vectors = [], []
    for read in (21, 22, 23):
        vectors += [clusters(rng, 100, unfit_centre), clusters(rng, 900, fit_centre)]
        rows += [ModelRead(read, f"bad {read} {i}", "unfit" if i % 2 else "borderline") for i in range(100)]
        rows += [ModelRead(read, f"fine {read} {i}", "fit") for i in range(900)]
    curated = clusters(rng, 30, np.eye(32)[2])
    return rows, np.concatenate(vectors), curated


def test_a_judge_fitted_on_other_reads_takes_the_held_out_reads_unfit_lines(toy) -> None:
    rows, vectors, curated = toy
    # the first judge reads only a direction none of the clusters lies on: its ranking is noise
    rng = np.random.default_rng(2)
    hidden_weights = np.zeros((32, 4), np.float32)
    hidden_weights[5] = rng.normal(size=4)
    first = JudgeWeights(
        hidden_weights=hidden_weights,
        hidden_bias=np.zeros(4, np.float32),
        out_weights=rng.normal(size=4).astype(np.float32),
        out_bias=0.0,
        threshold=0.5,
    )
    extra = (np.zeros((0, 32), np.float32), np.zeros(0, bool))
    report = leave_one_read_out(rows, vectors, extra, curated, first, reads=[22, 23], fit=FIT)
    assert set(report) == {"22", "23", "all"}
    assert report["22"] == {
        "captions": 1000,
        "unfit or borderline": 100,
        "unfit": 50,
        "taken": report["22"]["taken"],
    }
    # at 10 % of 1,000 the held-out read's top 100 are nearly all its 100 unfit and borderline lines
    taken = report["all"]["reads judge at 0.10"]
    assert taken["unfit or borderline"] >= 180 and taken["unfit"] >= 90
    assert report["all"]["first judge at 0.10"]["unfit or borderline"] < 100
    assert report["all"]["of"] == {"unfit or borderline": 200, "unfit": 100}


def test_curated_captions_weighted_up_keep_their_neighbours_fit(toy) -> None:
    """Curated captions that sit between the unfit and the fit ones score lower with their weight than
    without it: the judge does not learn "unlike the model's usual output"."""
    rows, vectors, _ = toy
    unfit = np.array([r.unfit for r in rows])
    near_unfit = clusters(np.random.default_rng(1), 30, np.eye(32)[0] + np.eye(32)[2])
    weighted = fit_reads_judge(vectors, unfit, near_unfit, **FIT)
    unweighted = fit_reads_judge(
        vectors, unfit, near_unfit, **{**FIT, "weights": {**FIT["weights"], "curated": 0.0}}
    )
    assert weighted.probabilities(near_unfit).mean() < unweighted.probabilities(near_unfit).mean()


@pytest.mark.slow
def test_a_whole_run_sets_the_threshold_on_what_the_first_judge_passes(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    measured = tmp_path / "measured.tsv"
    lines = tmp_path / "lines.txt"
    shown = tmp_path / "shown.jsonl"
    fine = ["Monday morning | already tired", "When the pizza arrives | ten minutes early",
            "That moment when | the wifi comes back", "When your code works | on the first try"]  # fmt: skip
    bad = ["When she stops moving | the house is mine", "He said he would do it again | if I told"]
    labels.write_text("".join(f"fit\t\t{t.replace(' | ', chr(9))}\n" for t in fine * 3), encoding="utf-8")
    measured.write_text(
        "".join(
            f"# Read {read}: toy\n" + "".join(f"fit\t\t{t.replace(' | ', chr(9))}\n" for t in fine)
            + f"unfit\t\t{bad[i].replace(' | ', chr(9))}\n"
            for i, read in enumerate((21, 22))
        ),
        encoding="utf-8",
    )  # fmt: skip
    lines.write_text("# read as unfit\nWhen I ate her | at the gym\n", encoding="utf-8")
    shown.write_text(
        "".join(json.dumps({"top": f"Caption {i}", "bottom": "about my day", "emotion": "happy"}) + "\n"
                for i in range(40)),
        encoding="utf-8",
    )  # fmt: skip
    weights = tmp_path / "reads.npz"
    main(
        ["--model-labels", str(labels), "--measured", str(measured), "--unfit-lines", str(lines),
         "--shown", str(shown), "--flag-share", "0.25", "--seeds", "1", "--hidden", "16",
         "--out", str(tmp_path), "--write", str(weights)]
    )  # fmt: skip
    report = json.loads((tmp_path / "reads_judge_report.json").read_text())
    assert set(report["leave_one_read_out"]) == {"21", "22", "all"}
    final = report["final"]
    assert final["trained_on"] == {
        "model_read_unfit_or_borderline": 2,
        "model_read_fit": 20,
        "read_unfit_lines": 1,
        "curated": final["trained_on"]["curated"],
    }
    # the threshold takes the asked share of what the first judge passes of the sample
    assert final["of_those_taken"] == pytest.approx(0.25, abs=0.05)
    judge = JudgeWeights.load(weights)
    assert judge.threshold == pytest.approx(final["threshold"], abs=1e-4)
