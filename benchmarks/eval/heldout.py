"""The deterministic held-out set of the quality evaluation (issue 10).

Training must never see these: the trainer's configs exclude ``HELD_OUT_FAMILIES`` from the
procedural generator and ``HELD_OUT_ENVIRONMENTS`` from the HDR lighting, and draw seeds below
``HELD_OUT_SEED_BASE`` (the SVBRDF source draws seeds in [0, 2**31) at random, so a collision is
possible but has probability ~1e-3 for 1e5 training materials; the held-out *families* are never
seen). This module imports only the standard library at import time, so a training config or test
can read the constants cheaply::

    from benchmarks.eval.heldout import HELD_OUT_FAMILIES, training_families

Cases:
- ``svbrdf_cases(count, size)``: a procedural material (cycling through the held-out families and the
  training families, alternately) photographed by a simulated phone flash (noise, 8-bit sRGB) at one
  of ``HELD_OUT_FOVS``; ground-truth maps kept.
- ``intrinsic_cases(count, size)``: a procedural material on a relief (a smooth seeded height field,
  mean slope ``RELIEF_SLOPE_DEGREES``, so that shading varies across the image as in a scene rather
  than a flat sample) lit by a held-out HDR environment at a seeded orientation (prefiltered
  split-sum renderer: no shadows or interreflections), exposed and quantised like a photo; ground
  truth albedo (= diffuse + specular, TEAMWORK.md), diffuse shading (irradiance / pi, times the
  photo's exposure) and residual (the specular part).
The same (count, size) always gives the same cases (CPU generators seeded from the case index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

HELD_OUT_FAMILIES: tuple[str, ...] = ("woven_fabric", "hammered_metal")
"""Material families never used in training: a dielectric and a metal, both with real relief (about
8 and 3 degrees mean from flat at 128 px). Not marble / rusted_metal: those are nearly flat (0.1-0.2
degrees), so flat normals would already be almost exact on them and the normal goal meaningless."""

HELD_OUT_ENVIRONMENTS: tuple[str, ...] = ("courtyard", "sunset")
"""Bundled HDR environments (assets/hdri) never used to light training data."""

HELD_OUT_SEED_BASE = 2_000_000_000
"""Held-out materials use seeds from here on; training draws below it."""

HELD_OUT_FOVS: tuple[float, ...] = (35.0, 50.0, 65.0)
"""Camera fields of view (degrees) of the held-out flash photos, cycled over the cases."""

RELIEF_SLOPE_DEGREES = 30.0
"""Mean slope of the relief under the intrinsic cases' materials."""

PHOTO_SEED_OFFSET = 7_777
"""Offset of the photo-simulation seed (noise, light offset, exposure) from the material seed."""


def training_families() -> tuple[str, ...]:
    """The generator's families minus the held-out ones (what training configs should list)."""
    from engine.materials import FAMILIES

    return tuple(f for f in FAMILIES if f not in HELD_OUT_FAMILIES)


def training_environments() -> tuple[str, ...]:
    """The bundled HDR environments minus the held-out ones."""
    from engine.materials import environment_names

    return tuple(e for e in environment_names() if e not in HELD_OUT_ENVIRONMENTS)


PROCEDURAL_SOURCES = ("svbrdf", "generated_svbrdf", "generated_intrinsic", "intrinsic", "scenes")
"""Training data sources that draw procedural materials (and maybe HDR lighting)."""


def _covers(options: dict, key: str, held: tuple[str, ...]) -> bool | None:
    """Whether ``options`` keep ``held`` out via ``key`` or ``exclude_<key>``; None if they are silent."""
    chosen, excluded = options.get(key), options.get(f"exclude_{key}")
    if chosen is not None:
        return not set(chosen) & set(held)
    if excluded is not None:
        return set(held) <= set(excluded)
    return None


def check_training_config(raw: dict) -> list[str]:
    """Problems (one sentence each) with a raw training-config dict that could leak held-out data.

    Every ``[[data]]`` source that draws procedural materials (``PROCEDURAL_SOURCES``) must keep the
    held-out families out, with ``families`` (a list without them) or ``exclude_families`` (a list
    with them all). Sources that light with HDR environments (``generated_intrinsic``, or any with
    ``environment_probability`` > 0) must likewise keep ``HELD_OUT_ENVIRONMENTS`` out with
    ``environments`` / ``exclude_environments``. Returns [] when the config is clean.
    """
    problems = []
    for k, entry in enumerate(raw.get("data", [])):
        options = dict(entry.get("options", {}))
        options.update({key: v for key, v in entry.items() if key not in ("source", "weight", "options")})
        source = str(entry.get("source", "?"))
        families = _covers(options, "families", HELD_OUT_FAMILIES)
        if families is False:
            held = ", ".join(HELD_OUT_FAMILIES)
            problems.append(f"data[{k}] ({source}) trains on a held-out family ({held}).")
        elif families is None and source in PROCEDURAL_SOURCES:
            problems.append(f"data[{k}] ({source}) draws from all families; exclude "
                            f"{', '.join(HELD_OUT_FAMILIES)}.")
        lit = source in ("generated_intrinsic", "intrinsic", "scenes") or float(
            options.get("environment_probability", 0.0)) > 0
        environments = _covers(options, "environments", HELD_OUT_ENVIRONMENTS)
        if environments is False or (environments is None and lit):
            problems.append(f"data[{k}] ({source}) may light with the held-out environments "
                            f"{', '.join(HELD_OUT_ENVIRONMENTS)}.")
    return problems


def config_problems(folder: str | None = None) -> dict[str, list[str]]:
    """``check_training_config`` for every ``*.toml`` in ``configs/`` (or ``folder``), by file name."""
    import tomllib
    from pathlib import Path

    root = Path(folder) if folder else Path(__file__).resolve().parents[2] / "configs"
    out = {}
    for path in sorted(root.glob("*.toml")):
        problems = check_training_config(tomllib.loads(path.read_text(encoding="utf-8")))
        if problems:
            out[path.name] = problems
    return out


def case_family(index: int) -> tuple[str, bool]:
    """(family, held_out) of case ``index``: even cases cycle the held-out families, odd the others."""
    if index % 2 == 0:
        return HELD_OUT_FAMILIES[(index // 2) % len(HELD_OUT_FAMILIES)], True
    seen = training_families()
    return seen[(index // 2) % len(seen)], False


@dataclass
class SvbrdfCase:
    """One held-out flash photo and its ground truth (tensors (1,C,H,W), float32, CPU)."""

    name: str
    family: str
    held_out_family: bool
    seed: int
    fov_degrees: float
    image: Tensor  # linear photo in [0,1] after noise and 8-bit sRGB quantisation
    halfway: Tensor
    maps: dict[str, Tensor]  # diffuse, specular, roughness, normals


@dataclass
class IntrinsicCase:
    """One held-out environment-lit photo with its intrinsic ground truth (tensors (1,C,H,W))."""

    name: str
    family: str
    held_out_family: bool
    environment: str
    image: Tensor
    truth: dict[str, Tensor]  # albedo, diffuseshading, residual, normals
    mask: Tensor | None = None  # (1,1,H,W) valid pixels; None = all
    extras: dict[str, str] = field(default_factory=dict)


def svbrdf_cases(count: int = 24, size: int = 128) -> list[SvbrdfCase]:
    """``count`` held-out flash photos at ``size`` x ``size`` pixels (deterministic)."""
    from engine.materials import generate_material
    from engine.materials.photo import PhotoSettings, simulate_flash_photo

    if count < 1 or size < 8:
        raise ValueError(f"Need at least one case of at least 8x8 pixels, got {count} of {size}x{size}.")
    cases = []
    for i in range(count):
        family, held = case_family(i)
        seed = HELD_OUT_SEED_BASE + i
        fov = HELD_OUT_FOVS[i % len(HELD_OUT_FOVS)]
        material = generate_material(family, size, seed)
        maps = {k: material[k].float() for k in ("diffuse", "specular", "roughness", "normals")}
        settings = PhotoSettings(fov_range=(fov, fov))
        photo = simulate_flash_photo(maps, seed=seed + PHOTO_SEED_OFFSET, settings=settings)
        cases.append(SvbrdfCase(f"svbrdf_{i:03d}_{family}", family, held, seed, fov,
                                photo.image.float(), photo.halfway.float(), maps))
    return cases


def relief_normals(height: Tensor, seed: int, slope_degrees: float = RELIEF_SLOPE_DEGREES) -> Tensor:
    """Normals (1,3,H,W) of the material ``height`` (1,1,H,W) on a smooth seeded relief."""
    import math

    import torch

    from engine.materials import noise
    from engine.materials.heightfield import height_gradients, normals_from_height

    h, w = height.shape[-2:]
    g = torch.Generator().manual_seed(int(seed))
    field = noise.fbm((h, w), noise.cells_for((h, w), 2), g, 3, 0.5, height.device, height.dtype)
    field = field.view(1, 1, h, w)
    dx, dy = height_gradients(field, periodic=True)
    mean_gradient = float(torch.sqrt(dx**2 + dy**2).mean()) + 1e-12
    relief = field * (math.tan(math.radians(slope_degrees)) / mean_gradient)
    return normals_from_height(height + relief, periodic=True)


def intrinsic_cases(count: int = 12, size: int = 128, environments: Sequence | None = None,
                    ) -> list[IntrinsicCase]:
    """``count`` held-out HDRI-lit photos (materials as in :func:`svbrdf_cases`, new seeds).

    ``environments``: names or ``Environment`` objects to cycle through (default the held-out ones).
    """
    import torch

    from engine.materials import (
        generate_material,
        load_environment,
        render_environment_split,
        rotation_matrix,
    )
    from engine.materials.photo import PhotoSettings, finish_photo

    if count < 1 or size < 8:
        raise ValueError(f"Need at least one case of at least 8x8 pixels, got {count} of {size}x{size}.")
    envs = tuple(environments or HELD_OUT_ENVIRONMENTS)
    cases = []
    for i in range(count):
        family, held = case_family(i)
        seed = HELD_OUT_SEED_BASE + 100_000 + i
        environment = envs[i % len(envs)]
        env_name = environment if isinstance(environment, str) else f"environment{i % len(envs)}"
        if isinstance(environment, str):
            environment = load_environment(environment)
        g = torch.Generator().manual_seed(seed + PHOTO_SEED_OFFSET)
        yaw = float(torch.rand((), generator=g)) * 360.0 - 180.0
        pitch = -30.0 - float(torch.rand((), generator=g)) * 60.0  # from a steep wall to a floor
        fov = HELD_OUT_FOVS[i % len(HELD_OUT_FOVS)]
        material = generate_material(family, size, seed)
        maps = {k: material[k].float() for k in ("diffuse", "specular", "roughness")}
        maps["normals"] = relief_normals(material["height"].float(), seed + 2 * PHOTO_SEED_OFFSET)
        rotation = rotation_matrix(yaw, pitch)
        diffuse_part, specular_part = render_environment_split(maps, environment, fov, rotation)
        white = dict(maps, diffuse=torch.ones_like(maps["diffuse"]),
                     specular=torch.zeros_like(maps["specular"]))
        shading, _ = render_environment_split(white, environment, fov, rotation)
        image, exposure, _ = finish_photo(diffuse_part + specular_part, PhotoSettings(), g)
        scale = exposure.view(-1, 1, 1, 1).float()
        truth = {
            "albedo": (maps["diffuse"] + maps["specular"]).clamp(0.0, 1.0),
            "diffuseshading": shading * scale,
            "residual": specular_part * scale,
            "normals": maps["normals"],
        }
        extras = {"yaw": f"{yaw:.1f}", "pitch": f"{pitch:.1f}"}
        cases.append(IntrinsicCase(f"intrinsic_{i:03d}_{family}_{env_name}", family, held, env_name,
                                   image.float(), truth, extras=extras))
    return cases
