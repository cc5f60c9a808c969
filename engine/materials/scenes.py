"""Synthetic intrinsic scenes: simple geometry with procedural materials under HDRI and point lights.

    scene = random_scene(seed=3)                      # SceneSpec: primitives, materials, lights, camera
    out = render_scene(scene, resolution=256)         # dict of (1,C,H,W) tensors

Outputs (MATERIALS.md channels, linear): image, albedo (= diffuse + specular), diffuse, specular,
roughness, diffuseshading, residual (= image - diffuse * diffuseshading), inverseshading
(S/(1+S), S = image/albedo), normals (camera space: +x right, +y up, +z toward the viewer), depth
(distance along the view axis divided by the scene's farthest visible depth, in (0, 1]), mask (1 on
geometry; background pixels show the environment with zero maps, and their light counts as residual
so that image = diffuse * diffuseshading + residual holds at every pixel).
Kinds: 'plane' (height-displaced floor with an object), 'spheres', 'boxes', 'room' (floor and two
walls with objects). Point lights have 1/d^2 falloff and hard shadows (analytic primitives only);
the environment is prefiltered (split-sum) and unshadowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from engine.materials import noise
from engine.materials.brdf import normalize, shade_point
from engine.materials.environment import (
    Environment,
    environment_names,
    load_environment,
    sample_equirect,
    shade_environment,
)
from engine.materials.generator import random_material
from engine.materials.raycast import Box, HeightPlane, Plane, Sphere, cast, occluded

KINDS = ("plane", "spheres", "boxes", "room")


@dataclass
class SceneSpec:
    primitives: list
    material_seeds: list[int]
    lights: list[tuple[tuple[float, float, float], float, tuple[float, float, float]]]  # pos, power, rgb
    environment: str | Environment | None  # a bundled name, or a prefiltered Environment
    environment_strength: float
    environment_yaw: float
    camera_position: tuple[float, float, float]
    camera_target: tuple[float, float, float]
    fov_degrees: float
    kind: str
    materials: list[dict[str, Tensor]] | None = None  # explicit (1,C,h,w) map dicts instead of seeds
    extras: dict = field(default_factory=dict)


def random_scene(seed: int, kind: str | None = None, environments: list[str] | None = None,
                 families: list[str] | None = None) -> SceneSpec:
    """A random scene description (cheap: materials and maps are made at render time).

    ``environments`` and ``families`` restrict the HDRIs and material families drawn (held-out sets).
    """
    g = torch.Generator().manual_seed(int(seed) * 2654435761 % (2**62))

    def u(lo: float, hi: float) -> float:
        return lo + (hi - lo) * float(torch.rand((), generator=g, dtype=torch.float64))

    def pick(options):
        return options[int(torch.randint(len(options), (), generator=g))]

    kind = kind or pick(list(KINDS))
    if kind not in KINDS:
        raise ValueError(f"Unknown scene kind '{kind}'; choose one of {', '.join(KINDS)}.")
    prims: list = []
    if kind == "plane":
        field_seed = int(torch.randint(10**6, (), generator=g))
        prims.append(HeightPlane(u(0.05, 0.25), u(3, 8), field_seed, u(0.8, 2.0)))
    else:
        prims.append(Plane((0, 0, 0), (0, 1, 0), (1, 0, 0), u(0.8, 2.0)))
    if kind == "room":
        prims.append(Plane((0, 0, -u(2.5, 4.0)), (0, 0, 1), (1, 0, 0), u(0.8, 2.0)))
        prims.append(Plane((-u(1.5, 3.0), 0, 0), (1, 0, 0), (0, 0, 1), u(0.8, 2.0)))
    n_objects = {"plane": 1, "spheres": 3, "boxes": 2, "room": 2}[kind]
    for _ in range(int(torch.randint(1, n_objects + 1, (), generator=g))):
        x, z = u(-1.2, 1.2), u(-1.5, 0.8)
        shape = "sphere" if kind == "spheres" else "box" if kind == "boxes" else pick(["sphere", "box"])
        if shape == "sphere":
            r = u(0.25, 0.6)
            prims.append(Sphere((x, r, z), r, u(0.3, 0.8)))
        else:
            hs = (u(0.2, 0.6), u(0.15, 0.6), u(0.2, 0.6))
            prims.append(Box((x, hs[1], z), hs, u(0, math.pi), u(0.4, 1.0)))
    lights = []
    for _ in range(int(torch.randint(0, 3, (), generator=g))):
        pos = (u(-2.5, 2.5), u(1.0, 3.5), u(-1.0, 3.0))
        tint = (1.0, u(0.85, 1.0), u(0.7, 1.0))
        lights.append((pos, u(3.0, 12.0), tint))
    envs = environments if environments is not None else environment_names()
    env = pick(envs) if envs else None
    dist = u(2.8, 4.5)
    elevation = math.radians(u(15, 45))
    azimuth = math.radians(u(-30, 30))
    camera = (dist * math.cos(elevation) * math.sin(azimuth), 0.3 + dist * math.sin(elevation),
              dist * math.cos(elevation) * math.cos(azimuth))
    seeds = [int(torch.randint(10**6, (), generator=g)) for _ in prims]
    extras = {"families": list(families)} if families is not None else {}
    return SceneSpec(prims, seeds, lights, env, u(0.3, 1.5) if lights else u(0.8, 2.0), u(-180, 180),
                     camera, (0.0, 0.4, -0.3), u(40, 65), kind, extras=extras)


def _camera_basis(spec: SceneSpec, device, dtype) -> Tensor:
    """(3,3) rows right, up, back (camera +z points toward the viewer)."""
    eye = torch.tensor(spec.camera_position, device=device, dtype=dtype)
    target = torch.tensor(spec.camera_target, device=device, dtype=dtype)
    back = normalize(eye - target, dim=0)
    world_up = torch.tensor([0.0, 1.0, 0.0], device=device, dtype=dtype)
    right = normalize(torch.linalg.cross(world_up, back), dim=0)
    up = torch.linalg.cross(back, right)
    return torch.stack([right, up, back])


def _yaw(v: Tensor, degrees: float) -> Tensor:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    x, y, z = v.unbind(-1)
    return torch.stack([c * x + s * z, y, -s * x + c * z], -1)


def render_scene(
    spec: SceneSpec,
    resolution: int | tuple[int, int] = 256,
    texture_size: int = 128,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> dict[str, Tensor]:
    """Ray-cast the scene and return every intrinsic channel as (1,C,H,W) tensors (module docstring)."""
    h, w = (resolution, resolution) if isinstance(resolution, int) else resolution
    device = torch.device(device or "cpu")
    basis = _camera_basis(spec, device, dtype)
    tan_half = math.tan(math.radians(spec.fov_degrees) / 2)
    # the FOV spans the longer side; pixels are square
    scale_x = tan_half * (1.0 if w >= h else w / h)
    scale_y = tan_half * (h / w if w >= h else 1.0)
    ys = (1 - (2 * torch.arange(h, device=device, dtype=dtype) + 1) / h) * scale_y
    xs = (-1 + (2 * torch.arange(w, device=device, dtype=dtype) + 1) / w) * scale_x
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    cam_dirs = normalize(torch.stack([xx, yy, -torch.ones_like(xx)], -1), dim=-1).reshape(-1, 3)
    dirs = cam_dirs @ basis
    origin = torch.tensor(spec.camera_position, device=device, dtype=dtype).expand_as(dirs)
    hit, index = cast(spec.primitives, origin, dirs)
    mask = index >= 0
    t = torch.where(mask, hit.t, torch.zeros_like(hit.t))
    pos = origin + dirs * t[:, None]

    n = dirs.shape[0]
    maps = {k: torch.zeros(n, c, device=device, dtype=dtype) for k, c in
            (("diffuse", 3), ("specular", 3), ("roughness", 1), ("tnormal", 3))}
    for i, seed in enumerate(spec.material_seeds):
        sel = index == i
        if not bool(sel.any()):
            continue
        if spec.materials is not None:
            material = {k: v.to(device, dtype) for k, v in spec.materials[i].items()}
        else:
            material, _ = random_material(texture_size, seed, mix_probability=0.2,
                                          families=spec.extras.get("families"), device=device, dtype=dtype)
        for name, key in (("diffuse", "diffuse"), ("specular", "specular"), ("roughness", "roughness"),
                          ("normals", "tnormal")):
            tex = material[name][0]
            uv = hit.uv[sel] * torch.tensor(tex.shape[-1:-3:-1], device=device, dtype=dtype)
            maps[key][sel] = noise.sample_periodic(tex, -uv[:, 1], uv[:, 0]).T
    tn = normalize(maps["tnormal"], dim=-1)
    geo_n = hit.normal
    shading_n = normalize(tn[:, :1] * hit.tangent + tn[:, 1:2] * hit.bitangent + tn[:, 2:3] * geo_n, dim=-1)
    view = -dirs

    def img(x: Tensor) -> Tensor:  # (N,C) -> (1,C,H,W)
        return x.T.reshape(1, -1, h, w)

    nb, vb = img(shading_n), img(view)
    diffuse, specular, rough = img(maps["diffuse"]), img(maps["specular"]), img(maps["roughness"])
    diff_shading = torch.zeros(1, 3, h, w, device=device, dtype=dtype)
    residual = torch.zeros_like(diff_shading)
    for light_pos, power, tint in spec.lights:
        lp = torch.tensor(light_pos, device=device, dtype=dtype)
        to_light = lp - pos
        dist = to_light.norm(dim=-1).clamp_min(1e-6)
        ldir = to_light / dist[:, None]
        lit = (~occluded(spec.primitives, pos + geo_n * 1e-3, ldir, dist)).to(dtype)
        intensity = img((lit * power / dist**2)[:, None] * torch.tensor(tint, device=device, dtype=dtype))
        ones = torch.ones_like(diffuse)
        d_part, s_part = shade_point(nb, img(ldir), vb, ones, specular, rough, intensity)
        diff_shading = diff_shading + d_part
        residual = residual + s_part
    background = torch.zeros_like(diff_shading)
    if spec.environment is not None:
        env = spec.environment
        if not isinstance(env, Environment):
            env = load_environment(env)
        yaw = spec.environment_yaw
        env_n, env_v = img(_yaw(shading_n, yaw)), img(_yaw(view, yaw))
        d_part, s_part = shade_environment(env_n, env_v, torch.ones_like(diffuse), specular, rough, env)
        diff_shading = diff_shading + d_part * spec.environment_strength
        residual = residual + s_part * spec.environment_strength
        sky = env.to(device, dtype).specular[0]
        background = sample_equirect(sky, img(_yaw(dirs, yaw))) * spec.environment_strength
    m = img(mask.to(dtype)[:, None])
    diff_shading, residual = diff_shading * m, residual * m
    residual = residual + background * (1 - m)  # residual = image - diffuse * diffuseshading, everywhere
    image = diffuse * diff_shading + residual
    albedo = (diffuse + specular) * m
    s = image / albedo.clamp_min(1e-4)
    cam_n = img(shading_n @ basis.T) * m
    depth_along = t * (-(cam_dirs[:, 2]))
    if bool(mask.any()):
        depth_along = depth_along / depth_along[mask].max().clamp_min(1e-6)
    depth = img(depth_along[:, None])
    return {
        "image": image, "albedo": albedo, "diffuse": diffuse, "specular": specular, "roughness": rough,
        "diffuseshading": diff_shading, "residual": residual, "inverseshading": (s / (1 + s)) * m,
        "normals": cam_n, "depth": depth * m, "mask": m,
    }

