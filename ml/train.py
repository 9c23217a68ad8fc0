"""Train one ensemble member on 48x48 faces.

    python -m ml.train --arch resnet18_fer --train ../shared/data/fer2013/fer2013_train.npz \
        --val ../shared/data/fer2013/fer2013_val.npz --out runs/resnet18_fer --epochs 60

SGD + Nesterov, linear warm-up then cosine decay per step, label smoothing, bf16 autocast on CUDA.
`--minutes M` fixes the epoch count after the first epoch so the run fits M minutes. A checkpoint
(`last.pt`) is written every epoch and `--resume` continues from it. The final epoch (not the best
on val) is exported, so the validation split is not used to pick weights.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from tqdm import tqdm

from ml.checkpoint import save_member
from ml.datasets import FaceArrays, load_npz
from ml.datasets.torch_dataset import FaceDataset
from ml.models import build_model
from ml.transforms import faces_to_tensor, train_transform


@dataclass
class TrainConfig:
    arch: str
    train: str
    val: str
    out: str
    epochs: int = 60
    minutes: float | None = None
    batch_size: int = 128
    lr: float = 0.1
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    warmup_epochs: int = 2
    pretrained: bool = False
    vertical_flip: bool = False
    seed: int = 0
    workers: int = 4
    device: str = "auto"
    resume: bool = False
    limit: int | None = None  # train on the first N shuffled faces (smoke tests)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def lr_at(step: int, *, total_steps: int, warmup_steps: int, base_lr: float) -> float:
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


@torch.inference_mode()
def predict_probabilities(
    model, faces: FaceArrays, device: torch.device, batch_size: int = 512
) -> np.ndarray:
    model.eval()
    out = []
    for start in range(0, len(faces), batch_size):
        x = faces_to_tensor(faces.images[start : start + batch_size]).to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(x)
        out.append(F.softmax(logits.float(), dim=1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 7), dtype=np.float32)


def train(cfg: TrainConfig) -> dict:
    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    train_faces, val_faces = load_npz(cfg.train), load_npz(cfg.val)
    if cfg.limit:
        idx = np.random.default_rng(cfg.seed).permutation(len(train_faces))[: cfg.limit]
        train_faces = train_faces.subset(idx)

    model = build_model(cfg.arch, pretrained=cfg.pretrained).to(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick the fastest kernels
        model = model.to(memory_format=torch.channels_last)
    # No weight decay on BN parameters and biases (standard ResNet recipe).
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    optimizer = torch.optim.SGD(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        momentum=0.9,
        nesterov=True,
    )
    generator = torch.Generator().manual_seed(cfg.seed)
    loader = DataLoader(
        FaceDataset(train_faces, train_transform(vertical_flip=cfg.vertical_flip)),
        batch_size=cfg.batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=cfg.workers,
        persistent_workers=cfg.workers > 0,
        pin_memory=device.type == "cuda",
        generator=generator,
    )
    steps_per_epoch = len(loader)
    total_epochs, start_epoch, elapsed, history = cfg.epochs, 0, 0.0, []
    last = out / "last.pt"
    if cfg.resume and last.exists():
        ckpt = torch.load(last, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        total_epochs, start_epoch = ckpt["total_epochs"], ckpt["epoch"] + 1
        elapsed, history = ckpt["elapsed"], ckpt["history"]
        torch.set_rng_state(ckpt["rng"])
        print(f"resumed at epoch {start_epoch}/{total_epochs}")

    log = (out / "log.jsonl").open("a")
    epoch = start_epoch
    while epoch < total_epochs:
        model.train()
        t0 = time.perf_counter()  # the epoch's time includes its validation pass and checkpoint
        running, seen, correct = 0.0, 0, 0
        for i, (x, y) in enumerate(
            tqdm(loader, desc=f"{cfg.arch} {epoch + 1}/{total_epochs}", leave=False, disable=None)
        ):
            step = epoch * steps_per_epoch + i
            for group in optimizer.param_groups:
                group["lr"] = lr_at(
                    step,
                    total_steps=total_epochs * steps_per_epoch,
                    warmup_steps=cfg.warmup_epochs * steps_per_epoch,
                    base_lr=cfg.lr,
                )
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            if device.type == "cuda":
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(x)
                loss = F.cross_entropy(logits.float(), y, label_smoothing=cfg.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            running += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
        val_probs = predict_probabilities(model, val_faces, device)
        val_acc = float((val_probs.argmax(1) == val_faces.labels).mean())
        row = {
            "epoch": epoch + 1,
            "total_epochs": total_epochs,
            "train_loss": running / seen,
            "train_acc": correct / seen,
            "val_acc": val_acc,
        }
        if cfg.minutes and epoch == cfg.warmup_epochs - 1 and not cfg.resume:
            # Fix the schedule's length at the end of warm-up (the cosine part has not begun), from
            # the last epoch's time: the first one also pays for worker start-up and cuDNN tuning.
            epoch_time = time.perf_counter() - t0
            remaining = cfg.minutes * 60 - elapsed - epoch_time
            total_epochs = cfg.warmup_epochs + max(1, int(remaining / epoch_time))
            print(
                f"{cfg.arch}: {epoch_time:.1f}s/epoch → {total_epochs} epochs in {cfg.minutes} min",
                flush=True,
            )
        elapsed += time.perf_counter() - t0
        row["elapsed_s"] = round(elapsed, 1)
        history.append(row)
        log.write(json.dumps(row) + "\n")
        log.flush()
        print(json.dumps(row), flush=True)
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "epoch": epoch,
                "total_epochs": total_epochs,
                "elapsed": elapsed,
                "history": history,
                "rng": torch.get_rng_state(),
            },
            last,
        )
        epoch += 1
    log.close()

    meta = {
        "recipe": {
            k: v for k, v in asdict(cfg).items() if k not in ("train", "val", "out", "resume", "device")
        },
        "data": {"train": Path(cfg.train).name, "n_train": len(train_faces), "val": Path(cfg.val).name},
        "epochs": total_epochs,
        "train_time_s": round(elapsed, 1),
        "hardware": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or "cpu",
        "torch": str(torch.__version__),
        "val_acc": history[-1]["val_acc"] if history else None,
        "history": history,
    }
    save_member(out / "model.pt", arch=cfg.arch, model=model.cpu().float(), meta=meta)
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = TrainConfig(arch="", train="", val="", out="")
    p.add_argument("--arch", required=True)
    p.add_argument("--train", required=True, help="training npz (images, labels)")
    p.add_argument("--val", required=True, help="validation npz, evaluated after each epoch")
    p.add_argument("--out", required=True, help="run folder: log.jsonl, last.pt, model.pt, meta.json")
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument("--minutes", type=float, default=None, help="fit the epoch count to this many minutes")
    p.add_argument("--batch-size", type=int, default=defaults.batch_size)
    p.add_argument("--lr", type=float, default=defaults.lr)
    p.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    p.add_argument("--label-smoothing", type=float, default=defaults.label_smoothing)
    p.add_argument("--warmup-epochs", type=int, default=defaults.warmup_epochs)
    p.add_argument("--pretrained", action="store_true", help="start from ImageNet weights (mobilenetv2_fer)")
    p.add_argument("--vertical-flip", action="store_true")
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--workers", type=int, default=defaults.workers)
    p.add_argument("--device", default=defaults.device)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--limit", type=int, default=None)
    args = p.parse_args(argv)
    return TrainConfig(**{k.replace("-", "_"): v for k, v in vars(args).items()})


def main(argv: list[str] | None = None) -> None:
    meta = train(parse_args(argv))
    print(json.dumps({k: meta[k] for k in ("epochs", "train_time_s", "val_acc")}))


if __name__ == "__main__":
    main()
