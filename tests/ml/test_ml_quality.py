"""The shipped ensemble must stay accurate on a fixed slice of FER-2013's validation split."""

from __future__ import annotations

import numpy as np
import pytest
from mlhelpers import FER_VAL, needs_weights

from ml.datasets import load_npz
from ml.evaluate import evaluate

SLICE = 500
MIN_ACCURACY = 0.65


@needs_weights
@pytest.mark.slow
@pytest.mark.skipif(not FER_VAL.exists(), reason=f"FER-2013 validation data not found at {FER_VAL}")
def test_shipped_ensemble_accuracy_on_fer_val_slice() -> None:
    from ml.ensemble import get_ensemble

    val = load_npz(FER_VAL)
    index = np.random.default_rng(0).choice(len(val), SLICE, replace=False)
    report = evaluate(val.subset(index), get_ensemble(), progress=False)
    assert report["n"] == SLICE
    assert report["accuracy"] >= MIN_ACCURACY, f"ensemble accuracy {report['accuracy']:.3f} < {MIN_ACCURACY}"
