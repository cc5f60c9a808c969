"""The trivial baselines every model must beat (issue 10).

- SVBRDF: diffuse = the linearised photo (clipped to [0,1]), specular = 0.04 (grey dielectric F0),
  roughness = 0.5, normals = flat (0, 0, 1).
- Intrinsic: albedo = the photo, diffuse shading = a constant (1; metrics are scale-invariant).
"""

from __future__ import annotations

import torch
from torch import Tensor

BASELINE_SPECULAR = 0.04
BASELINE_ROUGHNESS = 0.5


def _check_image(image: Tensor) -> None:
    if image.dim() != 4 or image.shape[1] != 3:
        raise ValueError(f"The photo must be a (B,3,H,W) tensor, got {tuple(image.shape)}.")


def svbrdf_baseline(image: Tensor) -> dict[str, Tensor]:
    """Baseline SVBRDF maps (B,C,H,W) for linear photos ``image`` (B,3,H,W)."""
    _check_image(image)
    b, _, h, w = image.shape
    normals = torch.zeros_like(image)
    normals[:, 2] = 1.0
    return {
        "diffuse": image.clamp(0.0, 1.0),
        "specular": torch.full_like(image, BASELINE_SPECULAR),
        "roughness": torch.full((b, 1, h, w), BASELINE_ROUGHNESS, dtype=image.dtype, device=image.device),
        "normals": normals,
    }


def intrinsic_baseline(image: Tensor) -> dict[str, Tensor]:
    """Baseline decomposition: albedo = photo, diffuse shading = 1 everywhere."""
    _check_image(image)
    return {"albedo": image.clone(), "diffuseshading": torch.ones_like(image)}
