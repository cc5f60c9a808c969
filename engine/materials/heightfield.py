"""Height fields to tangent-space normals (OpenGL, +Y up) for the generator.

Height is in plane units: the material plane spans 2 units in x and in y, so a pixel is 2/W wide and
2/H tall. (The export-side conversions module holds the artist-facing height <-> normal tools; this
one is the generator's small, differentiable helper.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.materials.brdf import normalize


def height_gradients(height: Tensor, periodic: bool = True) -> tuple[Tensor, Tensor]:
    """Central-difference slopes (dh/dx, dh/dy) of a (B,1,H,W) height, with +y pointing up (row 0 on top)."""
    if height.dim() != 4 or height.shape[1] != 1:
        raise ValueError(f"The height must be a (B,1,H,W) tensor, got {tuple(height.shape)}.")
    _, _, h, w = height.shape
    padded = F.pad(height, (1, 1, 1, 1), mode="circular" if periodic else "replicate")
    dx = (padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2]) / (2.0 * (2.0 / w))
    # rows grow downward while +y is up: dh/dy = (h[row-1] - h[row+1]) / (2 * pixel height)
    dy = (padded[..., :-2, 1:-1] - padded[..., 2:, 1:-1]) / (2.0 * (2.0 / h))
    return dx, dy


def normals_from_height(height: Tensor, strength: float = 1.0, periodic: bool = True) -> Tensor:
    """Unit normals (B,3,H,W) of the surface z = strength * height."""
    dx, dy = height_gradients(height, periodic)
    n = torch.cat([-strength * dx, -strength * dy, torch.ones_like(dx)], dim=1)
    return normalize(n)
