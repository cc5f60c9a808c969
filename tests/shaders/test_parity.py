"""The viewport's flash render of the plane equals the engine's reference renderer, pixel for pixel."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.viewport import render_offscreen
from engine.materials import render_flash
from engine.materials.generator import generate_material, random_material

pytestmark = pytest.mark.gl


def _to_numpy(maps: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    return {k: v[0].permute(1, 2, 0).numpy() for k, v in maps.items()}


def _compare(ours: np.ndarray, maps: dict[str, torch.Tensor], fov: float, intensity: float = 1.0):
    ref = render_flash(maps, fov, light_intensity=intensity)[0].permute(1, 2, 0).numpy()
    assert ours.shape == ref.shape
    diff = np.abs(np.clip(ours, 0, 1) - np.clip(ref, 0, 1))
    return float(diff.mean()), float(np.percentile(diff, 99)), ref


CASES = [  # (family or None for random_material, seed, fov, size (H, W))
    ("bricks", 1, 45.0, (64, 64)),
    ("brushed_metal", 2, 30.0, (64, 64)),
    ("plastic", 3, 60.0, (48, 80)),
    (None, 4, 45.0, (64, 64)),
    (None, 11, 50.0, (40, 56)),
]


@pytest.mark.parametrize(("family", "seed", "fov", "size"), CASES)
def test_flash_parity_with_engine(gl_renderer, family, seed, fov, size):
    if family is None:
        maps, family = random_material(size, seed=seed)
    else:
        maps = generate_material(family, size, seed=seed)
    ours = render_offscreen(_to_numpy(maps), mode="flash", fov_degrees=fov, size=(size[1], size[0]))
    assert ours.dtype == np.float32 and ours.shape == (*size, 3)
    mean, p99, ref = _compare(ours, maps, fov)
    assert ref.std() > 0.01, "the reference render should not be flat"
    assert mean <= 1 / 255, f"{family}: mean abs diff {mean * 255:.3f}/255"
    assert p99 <= 4 / 255, f"{family}: 99th percentile {p99 * 255:.3f}/255"


def test_torch_maps_and_unclipped_highlights(gl_renderer):
    maps = generate_material("ceramic_tiles", 32, seed=5)
    ours = render_offscreen(maps, fov_degrees=45, size=(32, 32))  # (B,C,H,W) tensors accepted
    ref = render_flash(maps, 45)[0].permute(1, 2, 0).numpy()
    # linear and unclipped: highlights above 1 agree in relative terms too
    assert np.max(ref) > 1.0
    rel = np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-2)
    assert float(np.percentile(rel, 99)) < 1e-3


def test_parity_detects_a_wrong_material(gl_renderer):
    """Guard against a vacuous comparison: a different material must fail the tolerance."""
    maps = generate_material("marble", 32, seed=0)
    other = generate_material("rusted_metal", 32, seed=0)
    ours = render_offscreen(_to_numpy(other), fov_degrees=45)
    mean, _, _ = _compare(ours, maps, 45.0)
    assert mean > 4 / 255
