"""Shared fixtures of the app tests: tiny photos on disk."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_photo(path: Path, width: int = 48, height: int = 32, seed: int = 0) -> Path:
    """A small 8-bit PNG with a gradient and noise, so crops and warps are observable."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, width)[None, :, None]
    y = np.linspace(0, 255, height)[:, None, None]
    img = np.concatenate([np.broadcast_to(x, (height, width, 1)), np.broadcast_to(y, (height, width, 1)),
                          rng.integers(0, 255, (height, width, 1))], axis=2).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img[..., ::-1])
    return path


import pytest  # noqa: E402


@pytest.fixture
def photo_files(tmp_path):
    """Three small PNG photos in a folder."""
    return [write_photo(tmp_path / "photos" / f"photo{i}.png", seed=i) for i in range(3)]
