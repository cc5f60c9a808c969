"""The reference renderer: hand-computed pixels, geometry, batching, gradients, errors."""

from __future__ import annotations

import math

import pytest
import torch

from engine.materials import brdf, camera_distance, halfway_map, render_flash, render_point


def _flat(b=1, h=2, w=2, diffuse=(0.2, 0.5, 0.8), f0=0.04, rough=0.5):
    return {
        "diffuse": torch.tensor(diffuse).view(1, 3, 1, 1).expand(b, 3, h, w).clone(),
        "specular": torch.full((b, 3, h, w), f0),
        "roughness": torch.full((b, 1, h, w), rough),
        "normals": torch.tensor([0.0, 0.0, 1.0]).view(1, 3, 1, 1).expand(b, 3, h, w).clone(),
    }


def test_flash_pixel_equals_hand_computed_value():
    # FOV 90 -> d = 1. Pixel (0,0) of a 2x2 map is at (-0.5, 0.5, 0); l = v = (0.5,-0.5,1)/sqrt(1.5).
    # n.l = n.h = 0.81650, v.h = 1; r = 0.5 -> alpha = 0.25, k = 0.125.
    # D = 0.0625 / (pi (1 - 0.9375 * 2/3)^2) = 0.141471; G = (1/(0.81650*0.875 + 0.125))^2 = 1.419144
    # F = 0.04 + 0.96 * 2^-12.53789 = 0.0401614; spec = pi D G F / 4 * n.l = 0.00517068
    image = render_flash(_flat(), 90.0)
    expected = torch.tensor([0.2, 0.5, 0.8]) * 0.8164966 + 0.00517068
    torch.testing.assert_close(image[0, :, 0, 0], expected, rtol=1e-5, atol=1e-6)
    # symmetric pixel (1,1) at (0.5,-0.5) sees the same angles
    torch.testing.assert_close(image[0, :, 1, 1], expected, rtol=1e-5, atol=1e-6)


def test_light_intensity_scales_and_falloff_divides_by_squared_distance():
    maps = _flat()
    base = render_flash(maps, 90.0)
    torch.testing.assert_close(render_flash(maps, 90.0, light_intensity=3.0), 3.0 * base)
    with_falloff = render_flash(maps, 90.0, falloff=True)
    # distance from (0,0,1) to (-0.5, 0.5, 0) squared = 1.5
    torch.testing.assert_close(with_falloff, base / 1.5)


def test_brdf_terms_match_formulas():
    alpha = torch.tensor(0.3)
    assert float(brdf.ggx_distribution(torch.tensor(1.0), alpha)) == pytest.approx(1 / (math.pi * 0.09))
    assert float(brdf.smith_g1(torch.tensor(1.0), alpha)) == pytest.approx(1.0)
    assert float(brdf.fresnel_schlick(torch.tensor(0.04), torch.tensor(0.0))) == pytest.approx(
        0.04 + 0.96 * 2**-0.0
    )
    assert float(brdf.roughness_to_alpha(torch.tensor(0.0))) == pytest.approx(1e-4)


def test_grazing_and_backfacing_light_gives_black():
    maps = _flat(h=1, w=1)
    maps["normals"] = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1).clone()  # normal in the plane
    image = render_point(maps, [-2.0, 0.0, 1.0], [0.0, 0.0, 1.0])
    assert torch.all(image == 0)


def test_render_point_colocated_equals_flash_and_offset_changes_it():
    maps = _flat(h=4, w=6, rough=0.3)
    d = camera_distance(50.0)
    torch.testing.assert_close(render_point(maps, [0, 0, d], [0, 0, d]), render_flash(maps, 50.0))
    moved = render_flash(maps, 50.0, light_offset=[0.3, 0.0, 0.0])
    assert not torch.allclose(moved, render_flash(maps, 50.0))


def test_batched_render_matches_per_sample_and_is_differentiable():
    torch.manual_seed(0)
    maps = {
        "diffuse": torch.rand(3, 3, 5, 4),
        "specular": torch.rand(3, 3, 5, 4) * 0.1,
        "roughness": torch.rand(3, 1, 5, 4),
        "normals": brdf.normalize(torch.randn(3, 3, 5, 4) * 0.2 + torch.tensor([0, 0, 1.0]).view(1, 3, 1, 1)),
    }
    for v in maps.values():
        v.requires_grad_(True)
    batch = render_flash(maps, 45.0)
    one = render_flash({k: v[1:2] for k, v in maps.items()}, 45.0)
    torch.testing.assert_close(batch[1:2], one)
    batch.sum().backward()
    for name, v in maps.items():
        assert v.grad is not None and torch.isfinite(v.grad).all() and v.grad.abs().sum() > 0, name


def test_halfway_map_geometry():
    h = halfway_map(8, 6, 45.0)
    assert h.shape == (3, 8, 6)
    torch.testing.assert_close(h.norm(dim=0), torch.ones(8, 6))
    assert h.min() >= -1 and h.max() <= 1
    assert h[1, 0, 3] < 0 and h[1, -1, 3] > 0  # row 0 is y ~ +1, so its view vector points down
    assert h[0, 4, 0] > 0 and h[0, 4, -1] < 0
    # pixel centre (-1 + 1/6, 1 - 1/8) seen from (0, 0, 1/tan(22.5 deg))
    p = torch.tensor([-1 + 1 / 6, 1 - 1 / 8, 0.0])
    v = torch.tensor([0.0, 0.0, 1 / math.tan(math.radians(22.5))]) - p
    torch.testing.assert_close(h[:, 0, 0], v / v.norm())


def test_bad_inputs_raise_clear_errors():
    maps = _flat()
    with pytest.raises(ValueError, match="field of view"):
        render_flash(maps, 0.0)
    bad = dict(maps)
    del bad["roughness"]
    with pytest.raises(ValueError, match="lack roughness"):
        render_flash(bad, 45.0)
    bad = dict(maps, roughness=torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="roughness"):
        render_flash(bad, 45.0)


def test_halfway_with_light_offset_is_the_normalised_sum():
    offset = (0.1, -0.05, 0.0)
    h = halfway_map(4, 4, 60.0, light_offset=offset)
    d = 1 / math.tan(math.radians(30))
    p = torch.tensor([-1 + 3 / 4, 1 - 1 / 4, 0.0])  # pixel (0, 1)
    v = torch.tensor([0.0, 0.0, d]) - p
    lv = torch.tensor([0.1, -0.05, d]) - p
    expected = v / v.norm() + lv / lv.norm()
    torch.testing.assert_close(h[:, 0, 1], expected / expected.norm())
    assert not torch.allclose(h, halfway_map(4, 4, 60.0))


def test_float64_render_agrees_with_float32():
    maps32 = _flat(h=3, w=5, rough=0.2)
    maps64 = {k: v.double() for k, v in maps32.items()}
    out64 = render_flash(maps64, 40.0)
    assert out64.dtype == torch.float64
    # the centre pixel sits on a sharp highlight, where float32 keeps ~5 digits
    torch.testing.assert_close(out64.float(), render_flash(maps32, 40.0), rtol=1e-4, atol=1e-6)
