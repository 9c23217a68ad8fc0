"""Fixtures for the ml tests (plain pytest: nothing here needs Django or a database)."""

from __future__ import annotations

import pytest
from PIL import Image


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    """skimage's 512x512 astronaut photo: one upright face, about x 181-268, y 62-172."""
    from skimage import data

    return Image.fromarray(data.astronaut())
