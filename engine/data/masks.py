"""Inpainting masks: random holes for training and evaluation, and the seam band of Make tileable.

A mask is a ``(1,H,W)`` float tensor, 1 where pixels are to be filled, 0 where they are known.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch


def _uniform(generator: torch.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * float(torch.rand((), generator=generator))


def random_hole_mask(generator: torch.Generator, size: int, coverage: tuple[float, float] = (0.05, 0.45),
                     ) -> torch.Tensor:
    """A free-form hole of random strokes, boxes and blobs covering roughly ``coverage`` of the image.

    Shapes are drawn until the covered fraction reaches a target drawn from ``coverage`` (so
    evaluation can ask for small or large holes), at most 12 shapes.
    """
    target = _uniform(generator, *coverage)
    canvas = np.zeros((size, size), np.uint8)
    for _ in range(12):
        kind = int(torch.randint(0, 3, (), generator=generator))
        cx, cy = (_uniform(generator, 0, size) for _ in range(2))
        extent = _uniform(generator, 0.1, 0.45) * size
        if kind == 0:  # brush stroke
            angle = _uniform(generator, 0, math.pi)
            dx, dy = math.cos(angle) * extent, math.sin(angle) * extent
            width = max(2, round(_uniform(generator, 0.04, 0.15) * size))
            cv2.line(canvas, (round(cx - dx), round(cy - dy)), (round(cx + dx), round(cy + dy)), 1, width)
        elif kind == 1:  # box (a scratch-free, hard-edged region, e.g. a logo)
            half = extent / 2
            aspect = _uniform(generator, 0.4, 1.0)
            cv2.rectangle(canvas, (round(cx - half), round(cy - half * aspect)),
                          (round(cx + half), round(cy + half * aspect)), 1, -1)
        else:  # blob
            axes = (max(1, round(extent / 2)), max(1, round(extent / 2 * _uniform(generator, 0.4, 1.0))))
            cv2.ellipse(canvas, (round(cx), round(cy)), axes, _uniform(generator, 0, 180), 0, 360, 1, -1)
        if canvas.mean() >= target:
            break
    return torch.from_numpy(canvas.astype(np.float32))[None]


def seam_band_mask(height: int, width: int, band: int) -> torch.Tensor:
    """The cross of ``band``-pixel-wide bands centred on the middle row and column (Make tileable).

    After rolling a texture by half its size, its wrap seams lie on these lines.
    """
    if band <= 0:
        raise ValueError(f"The seam band must be at least 1 pixel wide, got {band}.")
    mask = torch.zeros(1, height, width)
    y0, x0 = max(0, height // 2 - band // 2), max(0, width // 2 - band // 2)
    mask[:, y0:y0 + band] = 1
    mask[:, :, x0:x0 + band] = 1
    return mask
