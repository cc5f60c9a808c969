"""Point-light renders of SVBRDF maps on the material plane (the reference renderer).

Torch, batched and differentiable with respect to every map; any device and float dtype.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from engine.materials.brdf import normalize, shade_point
from engine.materials.environment import Environment, shade_environment
from engine.materials.geometry import as_points, camera_distance, plane_positions

MAP_CHANNELS = {"diffuse": 3, "specular": 3, "roughness": 1, "normals": 3}


def check_maps(maps: Mapping[str, Tensor]) -> tuple[int, int, int]:
    """Validate an SVBRDF map dict and return (B, H, W); raise ValueError with one clear sentence."""
    missing = [name for name in MAP_CHANNELS if name not in maps]
    if missing:
        raise ValueError(f"The material maps lack {', '.join(missing)}; need {', '.join(MAP_CHANNELS)}.")
    shape = None
    for name, channels in MAP_CHANNELS.items():
        t = maps[name]
        if not isinstance(t, Tensor) or t.dim() != 4 or t.shape[1] != channels:
            got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"The '{name}' map must be a (B,{channels},H,W) tensor, got {got}.")
        if shape is None:
            shape = (t.shape[0], t.shape[2], t.shape[3])
        elif (t.shape[0], t.shape[2], t.shape[3]) != shape:
            raise ValueError(f"The '{name}' map has shape {tuple(t.shape)}, unlike the others {shape}.")
    assert shape is not None
    return shape


def render_point_split(
    maps: Mapping[str, Tensor],
    light_position: Tensor | Sequence[float],
    camera_position: Tensor | Sequence[float],
    light_intensity: Tensor | float = 1.0,
    falloff: bool = False,
    positions: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Render under one point light, returning (diffuse part, specular part), each (B,3,H,W).

    ``light_position`` / ``camera_position``: (3,) or (B,3) world points. ``positions``: surface points
    (3,H,W) or (B,3,H,W), default the [-1,1]^2 plane. With ``falloff`` the light's intensity is
    divided by the squared distance (intensity = value at unit distance); the default has none,
    like the MatFusion training renders.
    """
    batch, height, width = check_maps(maps)
    ref = maps["diffuse"]
    if positions is None:
        positions = plane_positions(height, width, device=ref.device, dtype=ref.dtype)
    p = positions if positions.dim() == 4 else positions.unsqueeze(0)
    light = as_points(light_position, batch, ref.device, ref.dtype)
    camera = as_points(camera_position, batch, ref.device, ref.dtype)
    to_light = light - p
    intensity = torch.as_tensor(light_intensity, device=ref.device, dtype=ref.dtype)
    if intensity.dim() == 1:
        intensity = intensity.view(-1, 1, 1, 1)
    if falloff:
        intensity = intensity / (to_light * to_light).sum(dim=1, keepdim=True).clamp_min(1e-12)
    return shade_point(
        normalize(maps["normals"]),
        normalize(to_light),
        normalize(camera - p),
        maps["diffuse"],
        maps["specular"],
        maps["roughness"],
        intensity,
    )


def render_point(
    maps: Mapping[str, Tensor],
    light_position: Tensor | Sequence[float],
    camera_position: Tensor | Sequence[float],
    light_intensity: Tensor | float = 1.0,
    falloff: bool = False,
    positions: Tensor | None = None,
) -> Tensor:
    """Linear, unclipped render (B,3,H,W) under a point light anywhere, seen from a camera anywhere."""
    diffuse, specular = render_point_split(
        maps, light_position, camera_position, light_intensity, falloff, positions
    )
    return diffuse + specular


def render_flash(
    maps: Mapping[str, Tensor],
    fov_degrees: float,
    light_intensity: Tensor | float = 1.0,
    falloff: bool = False,
    light_offset: Tensor | Sequence[float] | None = None,
) -> Tensor:
    """The colocated-flash photo (B,3,H,W), linear and unclipped (MATERIALS.md).

    Camera and light at (0, 0, 1/tan(FOV/2)); ``light_offset`` moves the light away from the camera
    (photo simulation); ``falloff`` enables the physical 1/d^2 falloff.
    """
    d = camera_distance(fov_degrees)
    ref = maps["diffuse"] if "diffuse" in maps else None
    device = ref.device if ref is not None else None
    dtype = ref.dtype if ref is not None else torch.float32
    camera = torch.tensor([0.0, 0.0, d], device=device, dtype=dtype)
    light = camera
    if light_offset is not None:
        light = camera + torch.as_tensor(light_offset, device=device, dtype=dtype)
    return render_point(maps, light, camera, light_intensity, falloff)


def rotation_matrix(
    yaw_degrees: float = 0.0, pitch_degrees: float = 0.0, device=None, dtype=torch.float32
) -> Tensor:
    """(3,3) rotation taking plane-frame vectors to the environment frame: first tilt about x by
    ``pitch`` (-90 lays the plane down as a floor facing +y), then turn about +y by ``yaw``."""
    p, y = math.radians(pitch_degrees), math.radians(yaw_degrees)
    cp, sp, cy, sy = math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    rx = torch.tensor([[1, 0, 0], [0, cp, -sp], [0, sp, cp]], dtype=dtype)
    ry = torch.tensor([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]], dtype=dtype)
    return (ry @ rx).to(device)


def _rotate(v: Tensor, rotation: Tensor) -> Tensor:
    if rotation.dim() == 2:
        return torch.einsum("ij,bjhw->bihw", rotation, v)
    return torch.einsum("bij,bjhw->bihw", rotation, v)


def render_environment_split(
    maps: Mapping[str, Tensor],
    environment: Environment,
    fov_degrees: float = 45.0,
    rotation: Tensor | None = None,
    exposure: Tensor | float = 1.0,
) -> tuple[Tensor, Tensor]:
    """The material plane under an environment, seen by the flash camera; (diffuse, specular) parts.

    ``rotation``: (3,3) or (B,3,3) plane-to-environment rotation (see ``rotation_matrix``); default the
    identity, i.e. a wall facing +z. Prefiltered (split-sum) lighting, see engine.materials.environment.
    """
    batch, height, width = check_maps(maps)
    ref = maps["diffuse"]
    d = camera_distance(fov_degrees)
    p = plane_positions(height, width, device=ref.device, dtype=ref.dtype).unsqueeze(0)
    camera = torch.tensor([0.0, 0.0, d], device=ref.device, dtype=ref.dtype).view(1, 3, 1, 1)
    view = normalize(camera - p).expand(batch, -1, -1, -1)
    normals = normalize(maps["normals"])
    if rotation is not None:
        rotation = rotation.to(ref.device, ref.dtype)
        view, normals = _rotate(view, rotation), _rotate(normals, rotation)
    diffuse, specular = shade_environment(
        normals, view, maps["diffuse"], maps["specular"], maps["roughness"], environment
    )
    return diffuse * exposure, specular * exposure


def render_environment(
    maps: Mapping[str, Tensor],
    environment: Environment,
    fov_degrees: float = 45.0,
    rotation: Tensor | None = None,
    exposure: Tensor | float = 1.0,
) -> Tensor:
    """Linear, unclipped render (B,3,H,W) of the material plane lit by a prefiltered environment."""
    diffuse, specular = render_environment_split(maps, environment, fov_degrees, rotation, exposure)
    return diffuse + specular
