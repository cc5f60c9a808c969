"""Synthetic intrinsic scenes: channel relations, a hand-checked shading value, shadows, variety."""

from __future__ import annotations

import math

import torch

from engine.materials import Environment
from engine.materials.raycast import Box, Plane, Sphere, cast
from engine.materials.scenes import KINDS, SceneSpec, random_scene, render_scene


def _white(size=8):
    n = torch.zeros(1, 3, size, size)
    n[:, 2] = 1
    return {"diffuse": torch.ones(1, 3, size, size), "specular": torch.zeros(1, 3, size, size),
            "roughness": torch.ones(1, 1, size, size), "normals": n}


def _floor_scene(**kw) -> SceneSpec:
    base = dict(primitives=[Plane((0, 0, 0), (0, 1, 0), (1, 0, 0))], material_seeds=[0],
                lights=[((0.0, 2.0, 0.0), 4.0, (1.0, 1.0, 1.0))], environment=None,
                environment_strength=1.0, environment_yaw=0.0, camera_position=(0.0, 3.0, 0.001),
                camera_target=(0.0, 0.0, 0.0), fov_degrees=40.0, kind="plane", materials=[_white()])
    base.update(kw)
    return SceneSpec(**base)


def test_diffuse_shading_of_a_white_floor_matches_hand_value():
    out = render_scene(_floor_scene(), resolution=9)
    # the centre ray hits the origin; light 2 above: irradiance factor I cos / d^2 = 4 * 1 / 4 = 1
    centre = out["diffuseshading"][0, :, 4, 4]
    torch.testing.assert_close(centre, torch.ones(3), rtol=2e-3, atol=1e-3)
    # camera looks straight down: the floor normal in camera space is +z (toward the viewer)
    torch.testing.assert_close(out["normals"][0, :, 4, 4], torch.tensor([0.0, 0.0, 1.0]), rtol=0, atol=2e-3)
    # neighbour pixel: cos^3 falloff of a point light on a plane
    ray = out["depth"]  # depth is relative; just check it grows toward the corners
    assert ray[0, 0, 0, 0] > ray[0, 0, 4, 4]


def test_channel_relations_hold_for_random_scenes():
    env = Environment.constant((0.6, 0.7, 0.8))
    for seed, kind in enumerate(KINDS):
        spec = random_scene(seed, kind=kind)
        spec.environment = env
        out = render_scene(spec, resolution=20, texture_size=16)
        m = out["mask"]
        assert m.sum() > 0, kind
        recon = out["diffuse"] * out["diffuseshading"] + out["residual"]
        torch.testing.assert_close(out["image"], recon, rtol=1e-5, atol=1e-6)  # everywhere
        torch.testing.assert_close(out["albedo"], (out["diffuse"] + out["specular"]) * m)
        assert (out["diffuseshading"] >= 0).all() and (out["residual"] >= 0).all(), kind
        norms = out["normals"].norm(dim=1, keepdim=True)
        torch.testing.assert_close(norms * m, m, rtol=1e-4, atol=1e-4)
        d = out["depth"][m > 0]
        assert d.min() > 0 and d.max() <= 1 + 1e-6, kind
        inv = out["inverseshading"]
        assert inv.min() >= 0 and inv.max() < 1, kind


def test_objects_cast_shadows_from_point_lights():
    light = [((2.0, 2.0, 0.0), 4.0, (1.0, 1.0, 1.0))]
    free = render_scene(_floor_scene(lights=light), resolution=9)
    # unshadowed centre: I cos / d^2 = 4 * cos(45 deg) / 8
    torch.testing.assert_close(free["diffuseshading"][0, :, 4, 4], torch.full((3,), 0.5**0.5 / 2),
                               rtol=2e-3, atol=1e-3)
    # a sphere on the line from the light to the floor's centre (but off the camera's ray) shadows it
    spec = _floor_scene(primitives=[Plane((0, 0, 0), (0, 1, 0), (1, 0, 0)), Sphere((1.0, 1.0, 0.0), 0.3)],
                        material_seeds=[0, 1], materials=[_white(), _white()], lights=light)
    shadowed = render_scene(spec, resolution=9)
    assert float(shadowed["diffuseshading"][0, :, 4, 4].max()) < 1e-6
    assert float(shadowed["mask"][0, 0, 4, 4]) == 1.0


def test_ray_casting_primitives():
    origin = torch.tensor([[0.0, 0.0, 5.0], [0.0, 0.0, 5.0], [3.0, 3.0, 5.0]])
    direction = torch.tensor([[0.0, 0.0, -1.0], [0.0, 0.0, -1.0], [0.0, 0.0, -1.0]])
    hit, index = cast([Sphere((0, 0, 0), 1.0), Box((0, 0, -2), (1, 1, 1))], origin, direction)
    torch.testing.assert_close(hit.t[:2], torch.tensor([4.0, 4.0]))
    assert index.tolist() == [0, 0, -1]
    torch.testing.assert_close(hit.normal[0], torch.tensor([0.0, 0.0, 1.0]))
    hit, index = cast([Box((0, 0, 0), (1, 2, 1), yaw=0.0)], origin[:1], direction[:1])
    torch.testing.assert_close(hit.t, torch.tensor([4.0]))


def test_random_scenes_are_reproducible_and_varied():
    a, b = random_scene(7), random_scene(7)
    assert (a.kind, a.camera_position, a.material_seeds) == (b.kind, b.camera_position, b.material_seeds)
    kinds = {random_scene(s).kind for s in range(12)}
    assert len(kinds) >= 3


def test_non_square_scene_has_square_pixels():
    wide = render_scene(_floor_scene(), resolution=(6, 12))
    assert wide["image"].shape == (1, 3, 6, 12)
    # camera 3 above the floor looking down, FOV 40 across the longer side (width), square pixels:
    # the corner pixel's ray hits the floor at 3 * tan(20) * (11/12, 5/12 * 6/12 * 2) from the centre
    t = math.tan(math.radians(20))
    x, z = 3 * t * 11 / 12, 3 * t * (5 / 6) * (6 / 12)
    r = math.sqrt(4 + x * x + z * z)  # light 2 above the centre
    expected = 4.0 * (2 / r) / r**2  # I cos / d^2
    torch.testing.assert_close(wide["diffuseshading"][0, :, 0, 0], torch.full((3,), expected),
                               rtol=2e-3, atol=1e-4)
