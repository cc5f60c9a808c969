"""Held-out intrinsic scenes from the training generator (``engine.materials.scenes``).

The intrinsic adapters train on ray-cast synthetic scenes (planes, spheres, boxes, room corners; HDRI
plus shadowed point lights). These cases come from the same generator with seeds from
``HELD_OUT_SEED_BASE``, lit only by ``HELD_OUT_ENVIRONMENTS`` and textured only with explicit
materials of the held-out families (even cases) or training families (odd cases) — so they measure
generalisation to new materials and lighting inside the training renderer's domain. Photos are
finished like training photos (exposure, sensor noise, 8-bit sRGB); the ground truth diffuse shading
and residual carry the same exposure; background pixels are masked out.
"""

from __future__ import annotations

import torch

from benchmarks.eval.heldout import (
    HELD_OUT_ENVIRONMENTS,
    HELD_OUT_SEED_BASE,
    PHOTO_SEED_OFFSET,
    IntrinsicCase,
    case_family,
)

SCENE_SEED_OFFSET = 200_000


def scene_cases(count: int = 12, size: int = 128, texture_size: int = 64) -> list[IntrinsicCase]:
    """``count`` held-out synthetic scenes at ``size`` x ``size`` pixels (deterministic)."""
    from engine.materials import generate_material
    from engine.materials.photo import PhotoSettings, finish_photo
    from engine.materials.scenes import random_scene, render_scene

    if count < 1 or size < 8:
        raise ValueError(f"Need at least one case of at least 8x8 pixels, got {count} of {size}x{size}.")
    cases = []
    for i in range(count):
        family, held = case_family(i)
        seed = HELD_OUT_SEED_BASE + SCENE_SEED_OFFSET + i
        spec = random_scene(seed, environments=list(HELD_OUT_ENVIRONMENTS))
        spec.materials = [generate_material(family, texture_size, seed * 31 + k)
                          for k in range(len(spec.primitives))]
        out = render_scene(spec, size, texture_size)
        g = torch.Generator().manual_seed(seed + PHOTO_SEED_OFFSET)
        image, exposure, _ = finish_photo(out["image"], PhotoSettings(), g)
        scale = exposure.view(-1, 1, 1, 1).to(image)
        truth = {"albedo": out["albedo"].clamp(0, 1), "diffuseshading": out["diffuseshading"] * scale,
                 "residual": out["residual"] * scale, "normals": out["normals"], "depth": out["depth"]}
        environment = spec.environment if isinstance(spec.environment, str) else "none"
        cases.append(IntrinsicCase(f"scene_{i:03d}_{spec.kind}_{family}", family, held, environment,
                                   image.float(), truth, out["mask"].float(),
                                   extras={"kind": spec.kind, "lights": str(len(spec.lights))}))
    return cases
