"""Periodic (tileable) noise fields in torch: gradient noise, fBm, cellular (Worley) noise.

Every field is (H, W), periodic over the image (the lattice period divides the image exactly), and
seeded by a ``torch.Generator``. Random lattice parameters are drawn on the CPU (so a seed gives the
same material on every device), the per-pixel work runs on ``device``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


def _coords(n: int, cells: int, device, dtype) -> tuple[Tensor, Tensor]:
    """Lattice cell index (long) and fraction for n pixel centres spanning ``cells`` periodic cells."""
    t = (torch.arange(n, device=device, dtype=dtype) + 0.5) * (cells / n)
    i = torch.floor(t)
    return i.long(), t - i


def _fade(t: Tensor) -> Tensor:
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0)


def perlin(
    size: tuple[int, int],
    cells: tuple[int, int],
    generator: torch.Generator,
    device=None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Periodic gradient noise (H, W), roughly in [-1, 1], with ``cells`` = (rows, cols) lattice cells."""
    h, w = size
    cy, cx = max(1, int(cells[0])), max(1, int(cells[1]))
    angle = torch.rand(cy, cx, generator=generator, dtype=torch.float64) * (2 * math.pi)
    gx = torch.cos(angle).to(device=device, dtype=dtype)
    gy = torch.sin(angle).to(device=device, dtype=dtype)
    iy, fy = _coords(h, cy, device, dtype)
    ix, fx = _coords(w, cx, device, dtype)
    y0, y1 = iy % cy, (iy + 1) % cy
    x0, x1 = ix % cx, (ix + 1) % cx
    fy, fx = fy[:, None], fx[None, :]

    def table(g: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
        # two index_selects (rows, then columns) are far cheaper than one broadcast gather
        return g.index_select(0, rows).index_select(1, cols)

    def corner(rows: Tensor, cols: Tensor, dy: float, dx: float) -> Tensor:
        return table(gx, rows, cols) * (fx - dx) + table(gy, rows, cols) * (fy - dy)

    u, v = _fade(fx), _fade(fy)
    top = torch.lerp(corner(y0, x0, 0, 0), corner(y0, x1, 0, 1), u)
    bottom = torch.lerp(corner(y1, x0, 1, 0), corner(y1, x1, 1, 1), u)
    return torch.lerp(top, bottom, v) * math.sqrt(2.0)


def fbm(
    size: tuple[int, int],
    cells: tuple[int, int],
    generator: torch.Generator,
    octaves: int = 5,
    persistence: float = 0.5,
    device=None,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Fractal sum of ``octaves`` periodic gradient noises (cells doubling), normalised to about [-1, 1]."""
    total = torch.zeros(size, device=device, dtype=dtype)
    amplitude, norm = 1.0, 0.0
    for octave in range(octaves):
        scale = 2**octave
        c = (cells[0] * scale, cells[1] * scale)
        if min(c) > min(size):  # finer than a pixel: draw the lattice anyway so that later fields
            torch.rand(c[0], c[1], generator=generator, dtype=torch.float64)  # match across sizes
            continue
        total = total + amplitude * perlin(size, c, generator, device, dtype)
        norm += amplitude
        amplitude *= persistence
    return total / max(norm, 1e-6)


@dataclass
class Cells:
    """Cellular noise: distances (in cell units) to the nearest and second-nearest feature point,
    a random value in [0,1) per cell, and the offset (dy, dx) from the nearest point in cell units."""

    f1: Tensor
    f2: Tensor
    cell_value: Tensor
    offset_y: Tensor
    offset_x: Tensor


def worley(
    size: tuple[int, int],
    cells: tuple[int, int],
    generator: torch.Generator,
    jitter: float = 1.0,
    device=None,
    dtype: torch.dtype = torch.float32,
) -> Cells:
    """Periodic Worley noise with one jittered feature point per lattice cell."""
    h, w = size
    cy, cx = max(1, int(cells[0])), max(1, int(cells[1]))
    points = 0.5 + (torch.rand(2, cy, cx, generator=generator) - 0.5) * jitter
    values = torch.rand(cy, cx, generator=generator)
    points = points.to(device=device, dtype=dtype)
    values = values.to(device=device, dtype=dtype)
    iy, fy = _coords(h, cy, device, dtype)
    ix, fx = _coords(w, cx, device, dtype)
    f1 = torch.full((h, w), 1e9, device=device, dtype=dtype)
    f2 = f1.clone()
    best_value = torch.zeros((h, w), device=device, dtype=dtype)
    best_dy = torch.zeros_like(f1)
    best_dx = torch.zeros_like(f1)
    for dy in (-1, 0, 1):
        yy = (iy + dy) % cy
        py, px, pv = (t.index_select(0, yy) for t in (points[0], points[1], values))
        for dx in (-1, 0, 1):
            xx = (ix + dx) % cx
            ry = dy + py.index_select(1, xx) - fy[:, None]
            rx = dx + px.index_select(1, xx) - fx[None, :]
            dist = torch.sqrt(ry * ry + rx * rx)
            closer = dist < f1
            f2 = torch.where(closer, f1, torch.minimum(f2, dist))
            f1 = torch.where(closer, dist, f1)
            best_value = torch.where(closer, pv.index_select(1, xx), best_value)
            best_dy = torch.where(closer, -ry, best_dy)
            best_dx = torch.where(closer, -rx, best_dx)
    return Cells(f1, f2, best_value, best_dy, best_dx)


def sample_periodic(field: Tensor, y: Tensor, x: Tensor) -> Tensor:
    """Bilinear lookup of a periodic (..., H, W) field at pixel coordinates (y, x) of any shape."""
    h, w = field.shape[-2:]
    y0f, x0f = torch.floor(y), torch.floor(x)
    ty, tx = y - y0f, x - x0f
    y0, x0 = y0f.long() % h, x0f.long() % w
    y1, x1 = (y0 + 1) % h, (x0 + 1) % w
    top = torch.lerp(field[..., y0, x0], field[..., y0, x1], tx)
    bottom = torch.lerp(field[..., y1, x0], field[..., y1, x1], tx)
    return torch.lerp(top, bottom, ty)


def warp(field: Tensor, dy: Tensor, dx: Tensor) -> Tensor:
    """Domain warp: field sampled at (row + dy, col + dx) pixels, periodically."""
    h, w = field.shape[-2:]
    rows = torch.arange(h, device=field.device, dtype=field.dtype)[:, None]
    cols = torch.arange(w, device=field.device, dtype=field.dtype)[None, :]
    return sample_periodic(field, rows + dy, cols + dx)


def cells_for(size: tuple[int, int], per_side: float) -> tuple[int, int]:
    """Lattice cells (rows, cols) giving about ``per_side`` cells along the shorter side, square cells."""
    h, w = size
    base = max(1.0, per_side) / min(h, w)
    return max(1, round(h * base)), max(1, round(w * base))
