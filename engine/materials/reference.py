"""Slow but direct environment lighting: quadrature of the full BRDF against every texel of a
(downsampled) equirect radiance map. The yardstick for the prefiltered renderer and for evaluation.

radiance = sum over texels w of (D G F / 4 + diffuse / pi) L(w) max(n.w, 0) dOmega(w)

Accurate when the specular lobe is wider than a texel (roughness >~ 0.3 at 64 x 128); no shadows,
like the prefiltered renderer. Cost: H x W x texels; keep maps small.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.materials.brdf import dot, normalize, specular_brdf
from engine.materials.environment import equirect_directions
from engine.materials.geometry import camera_distance, plane_positions
from engine.materials.render import _rotate, check_maps


def _repeat(t: Tensor, k: int) -> Tensor:
    """(B,...) -> (k*B,...), the batch repeated k times (outer)."""
    return t.unsqueeze(0).expand(k, *t.shape).reshape(k * t.shape[0], *t.shape[1:])


def render_environment_reference(
    maps: Mapping[str, Tensor],
    radiance: Tensor,
    fov_degrees: float = 45.0,
    rotation: Tensor | None = None,
    texels: tuple[int, int] = (64, 128),
    chunk: int = 256,
) -> Tensor:
    """(B,3,H,W) render of the material plane under the equirect ``radiance`` (3,h,w), area-averaged
    to ``texels`` first; camera and ``rotation`` as in ``render_environment``."""
    batch, height, width = check_maps(maps)
    ref = maps["diffuse"]
    sky = F.interpolate(radiance.to(ref).unsqueeze(0), size=texels, mode="area")[0]
    dirs, solid = equirect_directions(*texels, device=ref.device, dtype=ref.dtype)
    dirs, sky, solid = dirs.reshape(3, -1), sky.reshape(3, -1), solid.reshape(-1)
    p = plane_positions(height, width, device=ref.device, dtype=ref.dtype).unsqueeze(0)
    camera = torch.tensor([0.0, 0.0, camera_distance(fov_degrees)], device=ref.device, dtype=ref.dtype)
    view = normalize(camera.view(1, 3, 1, 1) - p).expand(batch, -1, -1, -1)
    normals = normalize(maps["normals"])
    if rotation is not None:
        rotation = rotation.to(ref)
        view, normals = _rotate(view, rotation), _rotate(normals, rotation)
    total = torch.zeros_like(ref)
    for start in range(0, dirs.shape[1], chunk):
        light = dirs[:, start:start + chunk].T.reshape(-1, 1, 3, 1, 1)  # (K,1,3,1,1)
        rad = sky[:, start:start + chunk].T.reshape(-1, 1, 3, 1, 1)
        w = solid[start:start + chunk].view(-1, 1, 1, 1, 1)
        k = light.shape[0]
        light_full = light.expand(k, batch, 3, height, width).reshape(k * batch, 3, height, width)

        n, v = _repeat(normals, k), _repeat(view, k)
        spec = specular_brdf(n, light_full, v, _repeat(maps["specular"], k), _repeat(maps["roughness"], k))
        cos = dot(n, light_full).clamp_min(0.0)
        f = (spec + _repeat(maps["diffuse"], k) / math.pi) * cos
        total = total + (f.reshape(k, batch, 3, height, width) * rad * w).sum(0)
    return total
