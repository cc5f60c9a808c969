"""Image-based lighting: constant environments, agreement with brute-force quadrature, EXR loading."""

from __future__ import annotations

import pytest
import torch

from engine.materials import (
    Environment,
    load_environment,
    render_environment,
    render_environment_split,
    rotation_matrix,
)
from engine.materials.brdf import normalize
from engine.materials.environment import equirect_directions, sample_equirect
from engine.materials.reference import render_environment_reference


def _maps(diffuse=1.0, f0=0.0, rough=0.5, size=4):
    n = torch.zeros(1, 3, size, size)
    n[:, 2] = 1
    return {
        "diffuse": torch.full((1, 3, size, size), diffuse),
        "specular": torch.full((1, 3, size, size), f0),
        "roughness": torch.full((1, 1, size, size), rough),
        "normals": n,
    }


def test_white_lambertian_under_constant_environment_renders_the_radiance():
    env = Environment.constant((0.2, 0.5, 1.5))
    maps = _maps(diffuse=1.0)
    maps["normals"] = normalize(torch.randn(1, 3, 4, 4) * 0.3 + torch.tensor([0, 0, 1.0]).view(1, 3, 1, 1))
    diffuse, _ = render_environment_split(maps, env)
    expected = torch.tensor([0.2, 0.5, 1.5]).view(1, 3, 1, 1).expand_as(diffuse)
    torch.testing.assert_close(diffuse, expected, rtol=1e-4, atol=1e-5)


def test_white_mirror_under_constant_environment_reflects_it():
    env = Environment.constant(0.8)
    image = render_environment(_maps(diffuse=0.0, f0=1.0, rough=0.0), env)
    torch.testing.assert_close(image, torch.full_like(image, 0.8), rtol=0.02, atol=0.0)


def _sky(h=64, w=128):
    d, _ = equirect_directions(h, w)
    return torch.stack([1 + 0.5 * d[1], 1 + 0.3 * d[0], 1 - 0.4 * d[2]])


def test_split_sum_matches_brute_force_quadrature_for_rough_materials():
    sky = _sky()
    env = Environment.from_image(sky)
    maps = _maps(diffuse=0.3, f0=0.5, rough=0.7)
    image = render_environment(maps, env, 60.0)
    total = render_environment_reference(maps, sky, 60.0)
    # split-sum is an approximation: per pixel within 8 %, on average within 2 %
    torch.testing.assert_close(image, total, rtol=0.08, atol=0.0)
    assert abs(float(image.mean() / total.mean()) - 1) < 0.02


def test_reference_renderer_white_lambertian_and_orientation():
    maps = _maps(diffuse=1.0, f0=0.0, rough=1.0)
    constant = torch.full((3, 32, 64), 0.7)
    image = render_environment_reference({**maps, "specular": torch.zeros(1, 3, 4, 4)}, constant, 45.0)
    # F0 = 0 still leaves the grazing Fresnel term: the diffuse alone gives 0.7 (cos quadrature ~0.1 %)
    assert float(image.min()) >= 0.7 * 0.995
    d, _ = equirect_directions(32, 64)
    sky = (d[1:2] > 0).float().expand(3, -1, -1) * 2.0  # bright above the horizon, black below
    floor = render_environment_reference(maps, sky, 45.0, rotation_matrix(0.0, -90.0))  # facing up
    ceiling = render_environment_reference(maps, sky, 45.0, rotation_matrix(0.0, 90.0))  # facing down
    assert float(floor.mean()) > 1.5 and float(ceiling.mean()) < 0.1


def test_sample_equirect_wraps_and_points_the_right_way():
    image = torch.zeros(3, 8, 16)
    image[0, :, 0] = 1.0  # the u ~ 0 seam column: direction -phi = -pi, i.e. +z (behind the centre)
    image[1, 0, :] = 1.0  # the zenith row
    dirs = torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]]).view(3, 3, 1, 1)
    out = sample_equirect(image, dirs)
    assert out[0, 0, 0, 0] > 0.4  # +z sits on the wrap seam, half from each side
    assert out[1, 1, 0, 0] > 0.9
    assert out[2].abs().max() < 1e-6


def test_bundled_environment_loads_and_renders():
    env = load_environment("studio")
    assert env.irradiance.shape[0] == 3 and torch.isfinite(env.irradiance).all()
    assert load_environment("studio") is env  # cached
    image = render_environment(_maps(diffuse=0.5, f0=0.04, rough=0.4, size=8), env)
    assert torch.isfinite(image).all() and image.mean() > 0
    with pytest.raises(FileNotFoundError, match="No bundled environment"):
        load_environment("moon")


def test_environment_render_is_differentiable():
    env = Environment.constant(1.0)
    maps = _maps(diffuse=0.5, f0=0.04, rough=0.4)
    for v in maps.values():
        v.requires_grad_(True)
    render_environment(maps, env).sum().backward()
    for name in ("diffuse", "specular", "roughness"):
        assert maps[name].grad is not None and maps[name].grad.abs().sum() > 0, name
