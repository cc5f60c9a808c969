"""Procedural, seeded, tileable SVBRDF materials.

    maps = generate_material("bricks", 256, seed=3)      # dict of (1,C,H,W) tensors
    maps.keys() == {"diffuse", "specular", "roughness", "normals", "height"}

- ``FAMILIES``: the family names (15). ``generate_material(family, size, seed, device, dtype)``.
- Any resolution (``size`` = int or (H, W)); the same seed gives the same material at every size and
  on every device (random numbers come from a CPU generator; the lattice counts do not depend on size).
- Tileable: all noise is periodic over the image and layouts repeat a whole number of times.
- Values: diffuse/specular linear in [0,1] (dielectric F0 grey 0.03-0.055; metals coloured F0 with
  diffuse < 0.03), roughness in [0.02, 1], height in plane units (the plane is 2 units wide),
  normals = normals_from_height(height) (OpenGL tangent space).
- Mixing: ``mix_materials(a, b, mask)`` blends two map dicts through a (1,1,H,W) mask (normals are
  re-derived from the blended height when both have one); ``random_material`` picks a family and
  sometimes mixes two through a periodic noise mask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from engine.materials import noise
from engine.materials.brdf import normalize
from engine.materials.families import METALLIC, RECIPES
from engine.materials.families.base import Context, smoothstep
from engine.materials.heightfield import normals_from_height

FAMILIES: tuple[str, ...] = tuple(RECIPES)
MIN_ROUGHNESS = 0.02

__all__ = ["FAMILIES", "METALLIC", "generate_material", "generate_batch", "mix_materials", "random_material"]


def _size(size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, int):
        h = w = size
    else:
        h, w = (int(s) for s in size)
    if h < 4 or w < 4:
        raise ValueError(f"The material size must be at least 4x4 pixels, got {h}x{w}.")
    return h, w


def _finish(diffuse: Tensor, specular: Tensor, roughness: Tensor, height: Tensor) -> dict[str, Tensor]:
    height = height - height.mean(dim=(-2, -1), keepdim=True)
    return {
        "diffuse": diffuse.clamp(0.0, 1.0),
        "specular": specular.clamp(0.0, 1.0),
        "roughness": roughness.clamp(MIN_ROUGHNESS, 1.0),
        "normals": normals_from_height(height, periodic=True),
        "height": height,
    }


def generate_material(
    family: str,
    size: int | Sequence[int] = 256,
    seed: int = 0,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> dict[str, Tensor]:
    """One procedural material as a dict of (1,C,H,W) tensors (see the module docstring)."""
    if family not in RECIPES:
        raise ValueError(f"Unknown material family '{family}'; choose one of {', '.join(FAMILIES)}.")
    h, w = _size(size)
    generator = torch.Generator().manual_seed(int(seed))
    ctx = Context((h, w), generator, torch.device(device or "cpu"), dtype)
    layer = RECIPES[family](ctx)
    return _finish(*(t.unsqueeze(0) for t in (layer.diffuse, layer.specular, layer.roughness, layer.height)))


def mix_materials(a: Mapping[str, Tensor], b: Mapping[str, Tensor], mask: Tensor) -> dict[str, Tensor]:
    """b over a where ``mask`` (B or 1,1,H,W, in [0,1]) is 1; normals follow the blended height."""
    if mask.dim() != 4 or mask.shape[1] != 1:
        raise ValueError(f"The mix mask must be a (B,1,H,W) tensor, got {tuple(mask.shape)}.")
    mixed = {}
    for name in ("diffuse", "specular", "roughness"):
        mixed[name] = torch.lerp(a[name], b[name], mask)
    if "height" in a and "height" in b:
        height = torch.lerp(a["height"], b["height"], mask)
        return _finish(mixed["diffuse"], mixed["specular"], mixed["roughness"], height)
    n = torch.lerp(a["normals"], b["normals"], mask)
    mixed["normals"] = normalize(n)
    return mixed


def random_material(
    size: int | Sequence[int] = 256,
    seed: int = 0,
    mix_probability: float = 0.25,
    families: Sequence[str] | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> tuple[dict[str, Tensor], str]:
    """A material of a random family (sometimes two mixed through a noise mask) and its description."""
    pool = list(families or FAMILIES)
    rng = torch.Generator().manual_seed(int(seed) * 7919 + 17)
    pick = pool[int(torch.randint(len(pool), (), generator=rng))]
    maps = generate_material(pick, size, seed, device, dtype)
    if float(torch.rand((), generator=rng)) >= mix_probability:
        return maps, pick
    other = pool[int(torch.randint(len(pool), (), generator=rng))]
    second = generate_material(other, size, seed + 100_003, device, dtype)
    h, w = _size(size)
    field = noise.fbm((h, w), noise.cells_for((h, w), 3), rng, 5, 0.5, maps["diffuse"].device, dtype)
    threshold = float(torch.rand((), generator=rng)) * 0.6 - 0.3
    mask = smoothstep(threshold - 0.05, threshold + 0.05, field).view(1, 1, h, w)
    return mix_materials(maps, second, mask), f"{pick}+{other}"


def generate_batch(
    families: Sequence[str],
    size: int | Sequence[int],
    seeds: Sequence[int],
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> dict[str, Tensor]:
    """Materials of several families/seeds stacked into (B,C,H,W) tensors."""
    if len(families) != len(seeds):
        raise ValueError(f"Got {len(families)} families but {len(seeds)} seeds; give one seed per material.")
    items = [generate_material(f, size, s, device, dtype) for f, s in zip(families, seeds, strict=True)]
    return {k: torch.cat([m[k] for m in items]) for k in items[0]}
