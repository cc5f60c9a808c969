"""Geometry of the colocated-flash photo: the material plane, the camera distance, the halfway map.

The material is the plane z = 0 spanning [-1, 1]^2 (+x = image right, +y = image up). Pixel (i, j)
of an H x W map sits at its centre: x = -1 + (2j + 1)/W, y = 1 - (2i + 1)/H, so row 0 is at y ~ +1.
Camera and light are at (0, 0, d) with d = 1 / tan(FOV / 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from engine.materials.brdf import normalize


def check_fov(fov_degrees: float) -> float:
    """Return the FOV as a float, raising ValueError unless 0 < fov < 180 degrees."""
    fov = float(fov_degrees)
    if not 0.0 < fov < 180.0:
        raise ValueError(f"The field of view must be between 0 and 180 degrees, got {fov}.")
    return fov


def camera_distance(fov_degrees: float) -> float:
    """Distance d = 1 / tan(FOV/2) at which a camera with this FOV sees exactly the [-1,1]^2 plane."""
    return 1.0 / math.tan(math.radians(check_fov(fov_degrees)) / 2.0)


def plane_positions(
    height: int, width: int, device: torch.device | str | None = None, dtype: torch.dtype = torch.float32
) -> Tensor:
    """World positions (3, H, W) of the pixel centres of the material plane (z = 0)."""
    if height < 1 or width < 1:
        raise ValueError(f"The map size must be at least 1x1, got {height}x{width}.")
    ys = 1.0 - (2.0 * torch.arange(height, device=device, dtype=dtype) + 1.0) / height
    xs = -1.0 + (2.0 * torch.arange(width, device=device, dtype=dtype) + 1.0) / width
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([x, y, torch.zeros_like(x)], dim=0)


def as_points(points: Tensor | Sequence[float], batch: int, device, dtype) -> Tensor:
    """Turn a point given as (3,), (B,3) or a sequence of three numbers into a (B,3,1,1) tensor."""
    p = torch.as_tensor(points, device=device, dtype=dtype)
    if p.shape == (3,):
        p = p.expand(batch, 3)
    if p.dim() != 2 or p.shape[1] != 3 or p.shape[0] not in (1, batch):
        raise ValueError(f"A point must have shape (3,) or ({batch}, 3), got {tuple(p.shape)}.")
    return p.expand(batch, 3).reshape(batch, 3, 1, 1)


def halfway_map(
    height: int,
    width: int,
    fov_degrees: float,
    light_offset: Tensor | Sequence[float] | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Unit halfway vectors (3, H, W), components in [-1, 1], for the flash photo geometry.

    h = normalize(normalize(l - p) + normalize(c - p)) with the camera c = (0, 0, d) and the light at
    c + light_offset (colocated by default, where h = normalize(c - p)).
    """
    d = camera_distance(fov_degrees)
    p = plane_positions(height, width, device=device, dtype=dtype)
    camera = torch.tensor([0.0, 0.0, d], device=device, dtype=dtype).view(3, 1, 1)
    view = normalize(camera - p, dim=0)
    if light_offset is None:
        return view
    light = camera + torch.as_tensor(light_offset, device=device, dtype=dtype).view(3, 1, 1)
    return normalize(normalize(light - p, dim=0) + view, dim=0)
