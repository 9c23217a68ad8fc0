"""Name → constructor, so checkpoints and CLIs can name an architecture."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from ml.models.mobilenet_fer import mobilenetv2_fer
from ml.models.resnet_fer import resnet18_fer, resnet34_fer

MODEL_BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "resnet18_fer": resnet18_fer,
    "resnet34_fer": resnet34_fer,
    "mobilenetv2_fer": mobilenetv2_fer,
}


def build_model(arch: str, *, pretrained: bool = False) -> nn.Module:
    if arch not in MODEL_BUILDERS:
        raise ValueError(f"unknown architecture {arch!r}; choose from {sorted(MODEL_BUILDERS)}")
    if arch == "mobilenetv2_fer":
        return mobilenetv2_fer(pretrained=pretrained)
    return MODEL_BUILDERS[arch]()
