"""Model shapes, checkpoint round trips, augmentation output, and a real (tiny) training run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.checkpoint import load_member, save_member
from ml.datasets import FaceArrays, save_npz
from ml.emotions import NUM_CLASSES
from ml.models import MODEL_BUILDERS, build_model
from ml.train import TrainConfig, lr_at, train
from ml.transforms import faces_to_tensor, train_transform


@pytest.mark.parametrize("arch", sorted(MODEL_BUILDERS))
def test_every_model_maps_faces_to_seven_logits_and_an_embedding(arch: str) -> None:
    model = build_model(arch).eval()
    x = torch.rand(3, 1, 48, 48)
    with torch.inference_mode():
        logits = model(x)
        embedding = model.embed(x)
    assert logits.shape == (3, NUM_CLASSES)
    assert embedding.shape == (3, model.embedding_dim)
    assert torch.isfinite(logits).all()


def test_mobilenet_starts_from_the_offline_imagenet_weights() -> None:
    scratch = build_model("mobilenetv2_fer")
    pretrained = build_model("mobilenetv2_fer", pretrained=True)
    first_conv = "features.0.0.weight"
    assert not torch.equal(scratch.state_dict()[first_conv], pretrained.state_dict()[first_conv])
    # ImageNet first-layer filters are far from the random init's scale.
    assert pretrained.state_dict()[first_conv].abs().max() > 1.0


def test_unknown_architecture_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("vgg_nope")


def test_member_file_round_trip_keeps_predictions(tmp_path) -> None:
    model = build_model("resnet34_fer").eval()
    save_member(tmp_path / "m.pt", arch="resnet34_fer", model=model, meta={"seed": 7})
    loaded, meta = load_member(tmp_path / "m.pt")
    x = torch.rand(4, 1, 48, 48)
    with torch.inference_mode():
        # fp16 storage: predictions agree to fp16 precision.
        assert torch.allclose(torch.softmax(model(x), 1), torch.softmax(loaded(x), 1), atol=2e-2)
    assert meta == {"arch": "resnet34_fer", "seed": 7}


def test_train_transform_keeps_shape_and_range() -> None:
    face = torch.randint(0, 256, (1, 48, 48), dtype=torch.uint8)
    torch.manual_seed(0)
    out = train_transform()(face)
    assert out.shape == (1, 48, 48) and out.dtype == torch.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert torch.allclose(faces_to_tensor(face.numpy())[0], face.float() / 255)


def test_learning_rate_warms_up_then_decays_to_zero() -> None:
    lrs = [lr_at(s, total_steps=100, warmup_steps=10, base_lr=0.1) for s in range(100)]
    assert lrs[0] == pytest.approx(0.01)
    assert lrs[9] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    assert lrs[-1] < 0.001


def easy_faces(n: int, seed: int) -> FaceArrays:
    """A tiny task a CNN solves at once: the class sets the face's brightness."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, NUM_CLASSES, n)
    images = (labels[:, None, None] * 36 + rng.integers(0, 12, (n, 48, 48))).clip(0, 255)
    return FaceArrays(images=images.astype(np.uint8), labels=labels.astype(np.int64))


def easy_run(tmp_path, *, n_train: int, n_val: int, **overrides) -> TrainConfig:
    """A CPU training config over freshly written easy_faces npz files in tmp_path."""
    save_npz(tmp_path / "train.npz", easy_faces(n_train, seed=0))
    save_npz(tmp_path / "val.npz", easy_faces(n_val, seed=1))
    settings = dict(
        arch="resnet34_fer",
        train=str(tmp_path / "train.npz"),
        val=str(tmp_path / "val.npz"),
        out=str(tmp_path / "run"),
        epochs=1,
        warmup_epochs=0,
        batch_size=64,
        workers=0,
        device="cpu",
    )
    return TrainConfig(**{**settings, **overrides})


def test_one_epoch_on_an_easy_synthetic_task_beats_chance(tmp_path) -> None:
    meta = train(easy_run(tmp_path, n_train=896, n_val=210, lr=0.05))
    assert meta["val_acc"] > 2 / NUM_CLASSES  # chance is 1/7
    assert (tmp_path / "run" / "model.pt").exists() and (tmp_path / "run" / "last.pt").exists()
    loaded, loaded_meta = load_member(tmp_path / "run" / "model.pt")
    assert loaded_meta["epochs"] == 1 and loaded_meta["recipe"]["seed"] == 0


def test_training_resumes_from_its_checkpoint(tmp_path) -> None:
    train(easy_run(tmp_path, n_train=128, n_val=64))
    meta = train(easy_run(tmp_path, n_train=128, n_val=64, epochs=2, resume=True))
    # The resumed run keeps the first run's schedule (1 epoch), so it has nothing left to do.
    assert [row["epoch"] for row in meta["history"]] == [1]
