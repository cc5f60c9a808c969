"""Overlapping tiles over a latent (or pixel) canvas, blended with a smooth window.

Tiled sampling cuts the canvas into overlapping tiles at *every* denoising step, predicts each
tile, and blends the predictions into one canvas before the scheduler steps the whole canvas, so
neighbouring tiles agree (MultiDiffusion-style). Memory is bounded by the tile size. With
``wrap=True`` tiles run around the torus (tileable output): a tile crossing the right edge
continues on the left, so there is no seam at the wrap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch


def _starts(size: int, tile: int, overlap: int, wrap: bool) -> list[int]:
    if tile >= size:
        return [0]
    stride = tile - overlap
    if wrap:
        count = math.ceil(size / stride)
        return [round(i * size / count) for i in range(count)]
    count = math.ceil((size - overlap) / stride)
    return [round(i * (size - tile) / (count - 1)) for i in range(count)] if count > 1 else [0]


def _ramp(length: int, overlap: int, device: torch.device) -> torch.Tensor:
    i = torch.arange(length, device=device, dtype=torch.float32)
    ramp = max(overlap, 1)
    return torch.minimum(torch.minimum(i + 1, length - i), torch.tensor(float(ramp))) / ramp


@dataclass(frozen=True)
class TilePlan:
    """Tiles of at most ``tile`` pixels with ``overlap`` pixels shared between neighbours."""

    height: int
    width: int
    tile: int
    overlap: int
    wrap: bool = False

    def __post_init__(self) -> None:
        if self.tile <= 0 or not 0 <= self.overlap < self.tile:
            raise ValueError(f"Tile size {self.tile} needs an overlap in [0, {self.tile - 1}], "
                             f"got {self.overlap}.")

    @property
    def tile_h(self) -> int:
        return min(self.tile, self.height)

    @property
    def tile_w(self) -> int:
        return min(self.tile, self.width)

    def positions(self) -> list[tuple[int, int]]:
        ys = _starts(self.height, self.tile_h, self.overlap, self.wrap)
        xs = _starts(self.width, self.tile_w, self.overlap, self.wrap)
        return [(y, x) for y in ys for x in xs]

    def __len__(self) -> int:
        return len(self.positions())

    def indices(self, y: int, x: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        iy = (torch.arange(self.tile_h, device=device) + y) % self.height
        ix = (torch.arange(self.tile_w, device=device) + x) % self.width
        return iy, ix

    def window(self, device: torch.device) -> torch.Tensor:
        """Blend weights ``(tile_h, tile_w)``: 1 in the middle, ramping down over the overlap."""
        return _ramp(self.tile_h, self.overlap, device)[:, None] * _ramp(self.tile_w, self.overlap, device)

    def extract(self, canvas: torch.Tensor, y: int, x: int) -> torch.Tensor:
        iy, ix = self.indices(y, x, canvas.device)
        return canvas[..., iy[:, None], ix[None, :]]

    def split(self, canvas: torch.Tensor) -> torch.Tensor:
        """``(N, ..., H, W)`` -> ``(N*K, ..., th, tw)``, tiles of one item consecutive."""
        tiles = torch.stack([self.extract(canvas, y, x) for y, x in self.positions()], dim=1)
        return tiles.flatten(0, 1)

    def merge(self, tiles: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`split`: blend ``(N*K, ..., th, tw)`` into ``(N, ..., H, W)``."""
        positions = self.positions()
        tiles = tiles.unflatten(0, (-1, len(positions)))
        out = tiles.new_zeros((*tiles.shape[:1], *tiles.shape[2:-2], self.height, self.width),
                              dtype=torch.float32)
        weight = out.new_zeros((self.height, self.width))
        window = self.window(tiles.device)
        for k, (y, x) in enumerate(positions):
            iy, ix = self.indices(y, x, tiles.device)
            out[..., iy[:, None], ix[None, :]] += tiles[:, k].float() * window
            weight[iy[:, None], ix[None, :]] += window
        return (out / weight).to(tiles.dtype)


def map_tiles(plan: TilePlan, fn: Callable[[torch.Tensor], torch.Tensor], canvas: torch.Tensor,
              batch: int = 4) -> torch.Tensor:
    """Stream ``canvas`` ``(N, ..., H, W)`` through ``fn`` ``batch`` tiles at a time and blend.

    Equivalent to ``plan.merge(fn(plan.split(canvas)))`` but only ``batch`` tiles are ever held, so
    memory is bounded by the tile size, not the canvas size.
    """
    positions = plan.positions()
    window = plan.window(canvas.device)
    weight = canvas.new_zeros((plan.height, plan.width), dtype=torch.float32)
    out: torch.Tensor | None = None
    n = canvas.shape[0]
    for chunk in chunks(len(positions), batch):
        group = positions[chunk]
        pieces = torch.stack([plan.extract(canvas, y, x) for y, x in group], dim=1).flatten(0, 1)
        result = fn(pieces).unflatten(0, (n, len(group))).float()
        if out is None:
            out = result.new_zeros((n, *result.shape[2:-2], plan.height, plan.width))
        for k, (y, x) in enumerate(group):
            iy, ix = plan.indices(y, x, canvas.device)
            out[..., iy[:, None], ix[None, :]] += result[:, k] * window
    for y, x in positions:
        iy, ix = plan.indices(y, x, canvas.device)
        weight[iy[:, None], ix[None, :]] += window
    assert out is not None
    return out / weight


def tiled_map(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, tile: int, overlap: int,
              scale: float, wrap: bool = False) -> torch.Tensor:
    """Apply ``fn`` (``(N,C,t,t)`` -> ``(N,C',t*scale,t*scale)``) tile by tile and blend the results.

    Used for tiled VAE encode (scale 1/8) and decode (scale 8): only one tile is in memory at a time.
    """
    n, _, h, w = x.shape
    if h <= tile and w <= tile:
        return fn(x)
    plan = TilePlan(h, w, tile, overlap, wrap)
    out_plan = TilePlan(round(h * scale), round(w * scale), round(plan.tile * scale),
                        round(overlap * scale), wrap)
    out: torch.Tensor | None = None
    weight = None
    window = None
    for y, x0 in plan.positions():
        result = fn(plan.extract(x, y, x0)).float()
        if out is None:
            out = result.new_zeros((n, result.shape[1], out_plan.height, out_plan.width))
            weight = result.new_zeros((out_plan.height, out_plan.width))
            window = _ramp(result.shape[-2], out_plan.overlap, x.device)[:, None] * _ramp(
                result.shape[-1], out_plan.overlap, x.device)
        iy = (torch.arange(result.shape[-2], device=x.device) + round(y * scale)) % out_plan.height
        ix = (torch.arange(result.shape[-1], device=x.device) + round(x0 * scale)) % out_plan.width
        out[..., iy[:, None], ix[None, :]] += result * window
        weight[iy[:, None], ix[None, :]] += window
    assert out is not None and weight is not None
    return (out / weight).to(x.dtype)


def chunks(total: int, size: int) -> Iterator[slice]:
    """Slices of at most ``size`` items covering ``range(total)``."""
    for start in range(0, total, max(size, 1)):
        yield slice(start, min(start + size, total))
