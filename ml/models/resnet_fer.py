"""ResNets for 48x48 grayscale faces, built from torchvision's residual blocks.

ImageNet ResNets shrink a 224 px input 32x; a 48 px face would be 2x2 after the stem. Here a
3x3 stem keeps full resolution and the four stages run at 48 → 24 → 12 → 6 px (stride 2 is
taken in stages 2-4 only), so the last stage still sees a 6x6 map.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

# FER-2013 train pixel statistics (README of the data): mean 129.47, std 65.04.
FER_MEAN = 129.47 / 255.0
FER_STD = 65.04 / 255.0


class FerResNet(nn.Module):
    def __init__(
        self,
        block: type[BasicBlock] | type[Bottleneck],
        layers: Sequence[int],
        widths: Sequence[int],
        num_classes: int = 7,
        dropout: float = 0.2,
        stem_stride: int = 1,
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(1, widths[0], kernel_size=3, stride=stem_stride, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        )
        self._in = widths[0]
        stages = []
        for i, (n_blocks, width) in enumerate(zip(layers, widths, strict=True)):
            stages.append(self._make_stage(block, width, n_blocks, stride=1 if i == 0 else 2))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.embedding_dim = widths[-1] * block.expansion
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(self.embedding_dim, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        # Zero-init the last BN of each residual branch: each block starts as identity (Goyal et al.).
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)
            elif isinstance(m, Bottleneck):
                nn.init.zeros_(m.bn3.weight)

    def _make_stage(self, block: type[BasicBlock] | type[Bottleneck], width: int, n: int, stride: int):
        downsample = None
        if stride != 1 or self._in != width * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self._in, width * block.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(width * block.expansion),
            )
        blocks = [block(self._in, width, stride, downsample)]
        self._in = width * block.expansion
        blocks += [block(self._in, width) for _ in range(n - 1)]
        return nn.Sequential(*blocks)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer features [N, embedding_dim] (what SMOTE balances)."""
        x = (x - FER_MEAN) / FER_STD
        return torch.flatten(self.pool(self.stages(self.stem(x))), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.embed(x)))


def resnet18_fer(num_classes: int = 7) -> FerResNet:
    """ResNet-18 layout (2-2-2-2 basic blocks), half width, stages at 48 → 24 → 12 → 6 px."""
    return FerResNet(BasicBlock, [2, 2, 2, 2], [32, 64, 128, 256], num_classes, stem_stride=1)


def resnet34_fer(num_classes: int = 7) -> FerResNet:
    """ResNet-34 layout (3-4-6-3 basic blocks), half width, stem stride 2: 24 → 12 → 6 → 3 px.

    Deeper but coarser than resnet18_fer, so the two make different mistakes (ensemble diversity)."""
    return FerResNet(BasicBlock, [3, 4, 6, 3], [32, 64, 128, 256], num_classes, stem_stride=2)
