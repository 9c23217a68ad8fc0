"""A torch Dataset over FaceArrays, for DataLoader workers that run the augmentation."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.data import Dataset

from ml.datasets.arrays import FaceArrays


class FaceDataset(Dataset):
    def __init__(self, faces: FaceArrays, transform: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.images = torch.from_numpy(faces.images).unsqueeze(1)  # uint8 [N, 1, 48, 48], shared by workers
        self.labels = torch.from_numpy(faces.labels)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.transform(self.images[index]), self.labels[index]
