"""Shipped member files: architecture name + fp16 weights + a metadata dict (the model card's facts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from ml.models import build_model


def save_member(path: str | Path, *, arch: str, model: nn.Module, meta: dict[str, Any]) -> None:
    # fp16 halves the size; the models run in fp32 (weights are cast back on load).
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    torch.save({"arch": arch, "state_dict": state, "meta": meta}, path)


def load_member(path: str | Path, *, device: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = build_model(blob["arch"])
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in blob["state_dict"].items()}
    model.load_state_dict(state)
    model.to(device).eval()
    return model, {"arch": blob["arch"], **blob["meta"]}
