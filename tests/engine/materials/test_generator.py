"""Procedural materials: determinism, value ranges, tileability, mixing, every family renders."""

from __future__ import annotations

import pytest
import torch

from engine.materials import (
    FAMILIES,
    Environment,
    generate_batch,
    generate_material,
    mix_materials,
    random_material,
    render_environment,
    render_flash,
)
from engine.materials.families import METALLIC
from engine.materials.heightfield import normals_from_height

SIZE = 40


@pytest.fixture(scope="module")
def materials():
    return {family: generate_material(family, SIZE, seed=5) for family in FAMILIES}


def test_at_least_twelve_families():
    assert len(FAMILIES) >= 12 and len(set(FAMILIES)) == len(FAMILIES)


def test_same_seed_same_material_other_seed_differs(materials):
    for family in ("bricks", "leather", "rusted_metal"):
        again = generate_material(family, SIZE, seed=5)
        for name, value in materials[family].items():
            torch.testing.assert_close(value, again[name], rtol=0, atol=0)
        other = generate_material(family, SIZE, seed=6)
        assert not torch.allclose(other["diffuse"], materials[family]["diffuse"])


def test_shapes_and_value_ranges(materials):
    for family, maps in materials.items():
        assert maps["diffuse"].shape == (1, 3, SIZE, SIZE), family
        assert maps["roughness"].shape == (1, 1, SIZE, SIZE), family
        for name in ("diffuse", "specular", "roughness"):
            assert maps[name].min() >= 0 and maps[name].max() <= 1, (family, name)
        assert maps["roughness"].min() >= 0.02, family
        torch.testing.assert_close(maps["normals"].norm(dim=1), torch.ones(1, SIZE, SIZE))
        assert maps["normals"][:, 2].min() > 0.2, family  # no normals lying in the plane
        f0 = maps["specular"]
        if family in METALLIC:
            assert f0.amax() > 0.3 and maps["diffuse"].amin() < 0.03, family
        else:  # dielectrics: grey F0 about 0.02-0.06
            assert 0.02 <= f0.min() and f0.max() <= 0.06, family
            assert (f0.amax(dim=1) - f0.amin(dim=1)).max() < 1e-6, family


def _seam_ok(x: torch.Tensor, dim: int) -> bool:
    """Wrap-around difference no larger than the largest difference between interior neighbours
    (with a factor 2: the seam sits on a lattice line of every octave, where gradient noise is steepest)."""
    steps = (x - x.roll(-1, dims=dim)).abs()
    per_line = steps.mean(dim=[d for d in range(x.dim()) if d != dim])
    seam, interior = per_line[-1], per_line[:-1]
    return bool(seam <= 2 * interior.max() + 1e-6)


def test_every_family_tiles(materials):
    for family, maps in materials.items():
        for name in ("diffuse", "roughness", "height", "normals"):
            for dim in (2, 3):
                assert _seam_ok(maps[name], dim), (family, name, dim)


def test_seam_check_can_fail():
    ramp = torch.linspace(0, 1, SIZE).view(1, 1, 1, SIZE).expand(1, 1, SIZE, SIZE)
    assert not _seam_ok(ramp, 3)


def test_any_resolution_keeps_the_pattern():
    small = generate_material("stone_tiles", (24, 24), seed=2)
    large = generate_material("stone_tiles", (48, 48), seed=2)
    other = generate_material("stone_tiles", (24, 24), seed=3)
    down = torch.nn.functional.avg_pool2d(large["diffuse"], 2)
    same_seed = (down - small["diffuse"]).abs().mean()
    assert same_seed < 0.05 and same_seed < 0.5 * (other["diffuse"] - small["diffuse"]).abs().mean()
    wide = generate_material("plaster", (16, 40), seed=1)
    assert wide["diffuse"].shape == (1, 3, 16, 40)


def test_every_family_renders(materials):
    env = Environment.constant((0.5, 0.6, 0.7))
    for family, maps in materials.items():
        flash = render_flash(maps, 45.0)
        lit = render_environment(maps, env)
        for image in (flash, lit):
            assert torch.isfinite(image).all() and image.min() >= 0, family
            assert image.mean() > 1e-3, family


def test_mixing_through_a_mask():
    a = generate_material("concrete", SIZE, 0)
    b = generate_material("brushed_metal", SIZE, 0)
    mask = torch.zeros(1, 1, SIZE, SIZE)
    mask[..., :, SIZE // 2 :] = 1
    mixed = mix_materials(a, b, mask)
    torch.testing.assert_close(mixed["specular"][..., :4], a["specular"][..., :4])
    torch.testing.assert_close(mixed["specular"][..., -4:], b["specular"][..., -4:])
    torch.testing.assert_close(mixed["normals"], normals_from_height(mixed["height"]))
    maps, name = random_material(24, seed=3, mix_probability=1.0)
    assert "+" in name and maps["diffuse"].shape == (1, 3, 24, 24)


def test_batch_and_errors():
    batch = generate_batch(["paper", "plastic"], 16, [0, 1])
    assert batch["normals"].shape == (2, 3, 16, 16)
    with pytest.raises(ValueError, match="Unknown material family"):
        generate_material("cheese", 16)
    with pytest.raises(ValueError, match="at least 4x4"):
        generate_material("paper", 2)


def test_normals_from_height_slope():
    # h = 0.1 * x on the plane (x in [-1,1]) -> normal proportional to (-0.1, 0, 1) away from the wrap
    x = torch.linspace(-1 + 1 / 16, 1 - 1 / 16, 16).view(1, 1, 1, 16).expand(1, 1, 8, 16)
    n = normals_from_height(0.1 * x, periodic=False)
    expected = torch.tensor([-0.1, 0.0, 1.0]) / (1.01**0.5)
    torch.testing.assert_close(n[0, :, 4, 5], expected, rtol=1e-4, atol=1e-5)
    y = torch.linspace(1 - 1 / 8, -1 + 1 / 8, 8).view(1, 1, 8, 1).expand(1, 1, 8, 16)  # row 0 at +y
    n = normals_from_height(0.2 * y, periodic=False)
    expected = torch.tensor([0.0, -0.2, 1.0]) / (1.04**0.5)
    torch.testing.assert_close(n[0, :, 4, 5], expected, rtol=1e-4, atol=1e-5)
