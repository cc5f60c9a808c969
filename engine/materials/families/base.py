"""The toolbox a family recipe draws with: seeded random numbers, periodic noise, colours, layouts.

A recipe is ``fn(ctx: Context) -> Layer``; every field is (H, W) or (C, H, W) on ``ctx.device``.
Heights are in plane units (the material plane is 2 units wide; for most families think ~1 m).
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.materials import noise

GAMMA = 2.2


@dataclass
class Layer:
    """A material before normals: diffuse (3,H,W), specular F0 (3,H,W), roughness (1,H,W), height (1,H,W)."""

    diffuse: Tensor
    specular: Tensor
    roughness: Tensor
    height: Tensor


def smoothstep(edge0: float, edge1: float, x: Tensor) -> Tensor:
    t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@dataclass
class Context:
    size: tuple[int, int]
    generator: torch.Generator
    device: torch.device
    dtype: torch.dtype

    # -- random numbers (CPU generator: identical on every device) ----------------------------------
    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        return low + (high - low) * float(torch.rand((), generator=self.generator, dtype=torch.float64))

    def randint(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return int(torch.randint(low, high + 1, (), generator=self.generator))

    def choice(self, options: list):
        return options[self.randint(0, len(options) - 1)]

    def table(self, *shape: int) -> Tensor:
        """A table of uniform random values on the device (one per brick, plank, ...)."""
        return torch.rand(*shape, generator=self.generator).to(self.device, self.dtype)

    # -- fields ---------------------------------------------------------------------------------------
    def fbm(self, per_side: float, octaves: int = 5, persistence: float = 0.5, aspect: float = 1.0) -> Tensor:
        """Periodic fBm in [-1, 1]; ``aspect`` > 1 stretches features along x (more cells along y)."""
        cy, cx = noise.cells_for(self.size, per_side)
        cells = (max(1, round(cy * math.sqrt(aspect))), max(1, round(cx / math.sqrt(aspect))))
        return noise.fbm(self.size, cells, self.generator, octaves, persistence, self.device, self.dtype)

    def perlin(self, per_side: float) -> Tensor:
        cells = noise.cells_for(self.size, per_side)
        return noise.perlin(self.size, cells, self.generator, self.device, self.dtype)

    def worley(self, per_side: float, jitter: float = 1.0) -> noise.Cells:
        return noise.worley(self.size, noise.cells_for(self.size, per_side), self.generator, jitter,
                            self.device, self.dtype)

    def grid(self) -> tuple[Tensor, Tensor]:
        """Normalised pixel-centre coordinates (y, x) in [0, 1), each (H, W); y grows downward."""
        h, w = self.size
        y = (torch.arange(h, device=self.device, dtype=self.dtype) + 0.5) / h
        x = (torch.arange(w, device=self.device, dtype=self.dtype) + 0.5) / w
        return torch.meshgrid(y, x, indexing="ij")

    # -- colours --------------------------------------------------------------------------------------
    def colour(self, hue: float, saturation: float, value: float) -> Tensor:
        """A linear RGB colour (3,1,1) from an sRGB-style HSV triple (gamma 2.2 decoded)."""
        rgb = colorsys.hsv_to_rgb(hue % 1.0, min(max(saturation, 0.0), 1.0), min(max(value, 0.0), 1.0))
        return torch.tensor(rgb, device=self.device, dtype=self.dtype).view(3, 1, 1) ** GAMMA

    def constant(self, value: float | Tensor, channels: int = 1) -> Tensor:
        h, w = self.size
        t = torch.as_tensor(value, device=self.device, dtype=self.dtype)
        return t.reshape(-1, 1, 1).expand(channels, h, w).clone()

    def zeros(self) -> Tensor:
        return torch.zeros((1, *self.size), device=self.device, dtype=self.dtype)

    def dielectric_f0(self, low: float = 0.03, high: float = 0.05) -> Tensor:
        return self.constant(self.uniform(low, high), 3)

    # -- layouts --------------------------------------------------------------------------------------
    def bond_layout(self, rows: int, cols: int, row_offset: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Bricks/tiles in rows, each row shifted by ``row_offset`` bricks times its index (periodic when
        rows * row_offset is whole). Returns (u, v) in [0,1) inside the brick, the brick index
        (long, row * cols + col) and the distance to the brick's border in plane units."""
        y, x = self.grid()
        ty = y * rows
        row = torch.floor(ty)
        tx = x * cols + row * row_offset
        col = torch.floor(tx)
        u, v = tx - col, ty - row
        index = (row.long() % rows) * cols + (col.long() % cols)
        du = torch.minimum(u, 1 - u) * (2.0 / cols)
        dv = torch.minimum(v, 1 - v) * (2.0 / rows)
        return u, v, index, torch.minimum(du, dv)


def tint(base: Tensor, field: Tensor, amount: float) -> Tensor:
    """base colour (3,1,1) times (1 + amount * field), clamped to [0, 1]; field (H, W) in ~[-1, 1]."""
    return (base * (1.0 + amount * field.unsqueeze(0))).clamp(0.0, 1.0)


def blend(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Per-pixel lerp between two colours/fields, t (H, W) in [0, 1]."""
    return a + (b - a) * t.unsqueeze(0)


def gaps(distance: Tensor, width: float, soft: float) -> Tensor:
    """1 inside a joint of half-width ``width`` around borders, 0 away from it, soft edge ``soft``."""
    return 1.0 - smoothstep(width, width + soft, distance)


def one(field: Tensor) -> Tensor:
    """(H, W) -> (1, H, W)."""
    return field.unsqueeze(0)


def mix_layers(a: Layer, b: Layer, mask: Tensor) -> Layer:
    """b over a where mask (H, W) in [0, 1] is 1."""
    return Layer(
        blend(a.diffuse, b.diffuse, mask),
        blend(a.specular, b.specular, mask),
        blend(a.roughness, b.roughness, mask),
        blend(a.height, b.height, mask),
    )
