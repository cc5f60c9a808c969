"""Regenerate the bundled sample flash photo (seeded): a procedural material rendered under a
phone-like flash with ``engine.materials.render_flash``, written as an 8-bit sRGB PNG.

    .venv/bin/python assets/samples/make_sample.py
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from engine.io.writers import srgb_encode
from engine.materials import render_flash
from engine.materials.generator import generate_material

FAMILY, SIZE, SEED, FOV = "wood_planks", 768, 7, 45.0  # FOV = the app default


def main() -> None:
    torch.manual_seed(SEED)
    maps = generate_material(FAMILY, SIZE, seed=SEED)
    linear = render_flash(maps, FOV, light_intensity=1.0, falloff=True)[0].permute(1, 2, 0).numpy()
    linear = linear / np.percentile(linear, 99.9)  # expose like a phone would
    srgb = srgb_encode(np.clip(linear, 0, None))
    out = (np.clip(srgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    path = Path(__file__).with_name("flash_wood_planks.png")
    cv2.imwrite(str(path), out[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {path} ({SIZE}x{SIZE}, {FAMILY}, seed {SEED}, fov {FOV})")


if __name__ == "__main__":
    main()
