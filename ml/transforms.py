"""Augmentation for 48x48 grayscale faces with torchvision.transforms.v2 (the paper's list:
random resized crop/scale, horizontal flip, small rotation, brightness/contrast)."""

from __future__ import annotations

import torch
from torchvision.transforms import v2

from ml.datasets.arrays import FACE_SIZE


def train_transform(*, vertical_flip: bool = False) -> v2.Compose:
    """uint8 tensor [1, 48, 48] → augmented float tensor in [0, 1].

    Vertical flips are off by default: upside-down faces never reach the classifier (faces are
    aligned eyes-level before classification); the model card reports the ablation.
    """
    steps: list[v2.Transform] = [
        v2.RandomResizedCrop(FACE_SIZE, scale=(0.8, 1.0), ratio=(0.9, 1.1), antialias=True),
        v2.RandomHorizontalFlip(),
    ]
    if vertical_flip:
        steps.append(v2.RandomVerticalFlip())
    steps += [
        v2.RandomRotation(10),
        v2.ColorJitter(brightness=0.3, contrast=0.3),
        v2.ToDtype(torch.float32, scale=True),
        # Occlusion robustness (hands, glasses, captions over faces).
        v2.RandomErasing(p=0.25, scale=(0.02, 0.12)),
    ]
    return v2.Compose(steps)


def faces_to_tensor(images) -> torch.Tensor:
    """uint8 array [N, 48, 48] → float tensor [N, 1, 48, 48] in [0, 1]: what every model sees at
    inference and validation (train_transform ends in the same scaling)."""
    return torch.as_tensor(images).unsqueeze(1).float().div_(255.0)
