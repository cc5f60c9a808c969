"""The decoded photo handed to the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class ImageData:
    """A photo decoded to linear RGB.

    pixels: HxWx3 float32 linear RGB (HDR values above 1 kept for float formats), EXIF orientation
    applied. alpha: HxW float32 in [0, 1] or None. fov_degrees: horizontal field of view across the
    (oriented) image width, from EXIF focal length, or None. bit_depth: bits per channel of the file
    (8, 16 or 32; 16 also for half-float EXR). colour_space: how the file was decoded ("sRGB",
    "linear", "gamma 1.8", "ICC profile 'Adobe RGB' converted to sRGB", …). warnings: things the user
    should know (non-finite values replaced, CMYK converted, mislabelled extension, …).
    """

    pixels: np.ndarray
    alpha: np.ndarray | None
    fov_degrees: float | None
    bit_depth: int
    path: Path
    format: str = ""
    colour_space: str = "sRGB"
    warnings: list[str] = field(default_factory=list)

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])
