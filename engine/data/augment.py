"""Geometric augmentation of samples that keeps vector maps consistent.

Rotating or flipping a material image must rotate or flip its tangent-space vectors too: for
``normals`` and ``halfway`` (+x right, +y up) a quarter turn counter-clockwise maps (x, y, z) to
(-y, x, z) and a left-right flip maps it to (-x, y, z). The flash geometry is symmetric under these
moves for square images, so a rotated/flipped photo keeps matching its rotated/flipped halfway map.
"""

from __future__ import annotations

import torch
from torch import Tensor

from engine.data.sample import NAME

VECTOR_COMPONENTS = frozenset({"normals", "halfway"})


def _rotate_vectors(v: Tensor, k: int) -> Tensor:
    x, y, z = v[0], v[1], v[2]
    for _ in range(k % 4):
        x, y = -y, x
    return torch.stack([x, y, z])


def rotate_flip(sample: dict, quarter_turns: int = 0, flip: bool = False) -> dict:
    """Rotate every component by ``quarter_turns`` x 90 degrees counter-clockwise, then optionally
    mirror it left-right; vector components are transformed to match."""
    out = {}
    for key, value in sample.items():
        if key == NAME:
            out[key] = value
            continue
        v = torch.rot90(value, quarter_turns % 4, dims=(1, 2))
        if key in VECTOR_COMPONENTS:
            v = _rotate_vectors(v, quarter_turns)
        if flip:
            v = torch.flip(v, dims=(2,))
            if key in VECTOR_COMPONENTS:
                v = torch.cat([-v[:1], v[1:]])
        out[key] = v
    return out


def random_crop(sample: dict, size: int, generator: torch.Generator) -> dict:
    """The same random ``size`` x ``size`` window of every component (all must share H, W >= size)."""
    shapes = {tuple(v.shape[1:]) for k, v in sample.items() if k != NAME}
    if len(shapes) != 1:
        raise ValueError(f"Cannot crop a sample whose components differ in size: {sorted(shapes)}.")
    h, w = shapes.pop()
    if h < size or w < size:
        raise ValueError(f"Cannot crop {size}x{size} from a {h}x{w} sample.")
    top = int(torch.randint(h - size + 1, (), generator=generator))
    left = int(torch.randint(w - size + 1, (), generator=generator))
    return {k: v if k == NAME else v[:, top:top + size, left:left + size] for k, v in sample.items()}
