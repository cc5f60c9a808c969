"""Contact sheets of procedural materials: maps, flash render and environment render side by side.

    python -m engine.materials.preview docs/images/materials_contact_sheet.png --size 144
    python -m engine.materials.preview docs/images/intrinsic_scenes.png --scenes --seeds 0 1 2 3 4 5 6 7

Columns: diffuse, specular, roughness, normals (encoded as stored: gamma 2.2 colour maps, (n+1)/2),
flash render (FOV 45, intensity 1, sRGB, clipped), environment render (exposure-normalised, sRGB).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from engine.materials.environment import Environment, load_environment
from engine.materials.generator import FAMILIES, generate_material
from engine.materials.render import render_environment, render_flash, rotation_matrix

log = logging.getLogger(__name__)
COLUMNS = ("diffuse", "specular", "roughness", "normals", "flash", "environment")


def _srgb(x: Tensor) -> Tensor:
    x = x.clamp(0, 1)
    return torch.where(x <= 0.0031308, 12.92 * x, 1.055 * x.clamp_min(1e-8) ** (1 / 2.4) - 0.055)


def preview_tiles(
    maps: dict[str, Tensor], environment: Environment, env_exposure: Tensor | float = 1.0
) -> list[Tensor]:
    """The six (3,H,W) display tiles of one material (values in [0,1])."""
    flash = render_flash(maps, 45.0, light_intensity=1.0)
    env = render_environment(maps, environment, 45.0, rotation_matrix(30.0, -35.0)) * env_exposure
    return [
        maps["diffuse"][0].clamp(0, 1) ** (1 / 2.2),
        maps["specular"][0].clamp(0, 1) ** (1 / 2.2),
        maps["roughness"][0].expand(3, -1, -1),
        maps["normals"][0] * 0.5 + 0.5,
        _srgb(flash[0]),
        _srgb(env[0]),
    ]


def contact_sheet(
    families: Sequence[str] = FAMILIES,
    size: int = 192,
    seeds: Sequence[int] = (0,),
    environment: str = "courtyard",
    gap: int = 4,
) -> np.ndarray:
    """An (H, W, 3) float image in [0,1]: one row per (family, seed), the six COLUMNS per row."""
    env = load_environment(environment)
    flat = torch.zeros(1, 3, 8, 8)
    flat[:, 2] = 1.0
    white = {"diffuse": torch.ones(1, 3, 8, 8), "specular": torch.zeros(1, 3, 8, 8),
             "roughness": torch.ones(1, 1, 8, 8), "normals": flat}
    white_level = render_environment(white, env, 45.0, rotation_matrix(30.0, -35.0)).mean(dim=(0, 2, 3))
    exposure = 0.8 / white_level.clamp_min(1e-6).view(1, 3, 1, 1)  # white balance: white plane -> 0.8 grey
    rows = []
    for family in families:
        for seed in seeds:
            tiles = preview_tiles(generate_material(family, size, seed), env, exposure)
            row = torch.ones(3, size, len(tiles) * (size + gap) - gap)
            for i, tile in enumerate(tiles):
                row[:, :, i * (size + gap): i * (size + gap) + size] = tile
            rows.append(row)
            log.info("previewed %s seed %d", family, seed)
    sheet = torch.ones(3, len(rows) * (size + gap) - gap, rows[0].shape[-1])
    for i, row in enumerate(rows):
        sheet[:, i * (size + gap): i * (size + gap) + size] = row
    return sheet.permute(1, 2, 0).numpy()


SCENE_COLUMNS = ("image", "albedo", "diffuseshading", "residual", "normals", "depth")


def scene_sheet(seeds: Sequence[int] = range(6), size: int = 160, gap: int = 4) -> np.ndarray:
    """An (H, W, 3) image in [0,1]: one intrinsic scene per row, the SCENE_COLUMNS per row (image and
    shading exposed per scene, shading tone-mapped x/(1+x), normals (n+1)/2, depth grey)."""
    from engine.materials.scenes import random_scene, render_scene

    rows = []
    for seed in seeds:
        out = render_scene(random_scene(seed), size)
        lum = out["image"].mean(dim=1).flatten()
        exposure = 0.8 / float(torch.quantile(lum, 0.95).clamp_min(1e-6))
        shading = out["diffuseshading"] * exposure
        tiles = [
            _srgb(out["image"][0] * exposure),
            _srgb(out["albedo"][0]),
            _srgb(shading[0] / (1 + shading[0])),
            _srgb(out["residual"][0] * exposure),
            out["normals"][0] * 0.5 + 0.5,
            out["depth"][0].expand(3, -1, -1),
        ]
        row = torch.ones(3, size, len(tiles) * (size + gap) - gap)
        for i, tile in enumerate(tiles):
            row[:, :, i * (size + gap): i * (size + gap) + size] = tile
        rows.append(row)
        log.info("rendered scene %d", seed)
    sheet = torch.ones(3, len(rows) * (size + gap) - gap, rows[0].shape[-1])
    for i, row in enumerate(rows):
        sheet[:, i * (size + gap): i * (size + gap) + size] = row
    return sheet.permute(1, 2, 0).numpy()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a contact sheet of the procedural families.")
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--environment", default="courtyard")
    parser.add_argument("--scenes", action="store_true", help="a sheet of intrinsic scenes (seeds = rows)")
    args = parser.parse_args(argv)
    from engine.io.writers import write_image

    if args.scenes:
        sheet = scene_sheet(args.seeds, args.size)
    else:
        sheet = contact_sheet(args.families, args.size, args.seeds, args.environment)
    write_image(args.out, sheet, bit_depth=8, srgb=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
