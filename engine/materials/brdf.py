"""The reflectance model of MATERIALS.md, as small named functions.

The viewport's ``shaders/brdf.glsl`` mirrors these names one to one; keep them in step.
All functions broadcast over any leading shape: directions are tensors with the vector in
``dim`` (default 1, i.e. (B,3,H,W)), scalars have size 1 in that dimension.

Model (linear radiance, light "intensity" I means irradiance pi*I*cos at the surface):
    alpha = max(r, 0.01)^2
    D     = alpha^2 / (pi ((n.h)^2 (alpha^2 - 1) + 1)^2)                      (GGX)
    G1(w) = 1 / ((n.w)(1 - k) + k),  k = alpha / 2,  G = G1(l) G1(v)        (Smith-Schlick, /(n.w) inside)
    F     = F0 + (1 - F0) 2^((-5.55473 (v.h) - 6.98316)(v.h))               (Schlick, SG form)
    radiance = (pi D G F / 4 + diffuse) (n.l) I
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

MIN_ROUGHNESS = 0.01
_EPS = 1e-7


def dot(a: Tensor, b: Tensor, dim: int = 1) -> Tensor:
    """Dot product along ``dim``, keeping that dimension (size 1)."""
    return (a * b).sum(dim=dim, keepdim=True)


def normalize(v: Tensor, dim: int = 1) -> Tensor:
    """Unit vectors along ``dim`` (zero vectors stay finite). The length is a square root of a sum of
    squares: torch's vector norm over a short non-last dimension is ~100x slower on the CPU."""
    return v / torch.sqrt((v * v).sum(dim=dim, keepdim=True).clamp_min(1e-24))


def roughness_to_alpha(roughness: Tensor) -> Tensor:
    """alpha = max(r, 0.01)^2 (perceptual roughness to GGX alpha)."""
    return roughness.clamp_min(MIN_ROUGHNESS) ** 2


def ggx_distribution(n_dot_h: Tensor, alpha: Tensor) -> Tensor:
    """GGX / Trowbridge-Reitz normal distribution D(h)."""
    a2 = alpha * alpha
    n_dot_h = n_dot_h.clamp(0.0, 1.0)
    denom = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0
    return a2 / (math.pi * denom * denom).clamp_min(_EPS)


def smith_g1(n_dot_w: Tensor, alpha: Tensor) -> Tensor:
    """Schlick-GGX masking for one direction, including the 1/(n.w) factor: 1/((n.w)(1-k)+k), k=alpha/2."""
    k = alpha * 0.5
    return 1.0 / (n_dot_w.clamp_min(0.0) * (1.0 - k) + k)


def smith_g(n_dot_l: Tensor, n_dot_v: Tensor, alpha: Tensor) -> Tensor:
    """Separable Smith geometry term G = G1(l) G1(v) (with the 1/(n.l n.v) factors inside)."""
    return smith_g1(n_dot_l, alpha) * smith_g1(n_dot_v, alpha)


def fresnel_weight(v_dot_h: Tensor) -> Tensor:
    """The spherical-Gaussian Schlick factor 2^((-5.55473 c - 6.98316) c), c = v.h."""
    c = v_dot_h.clamp(0.0, 1.0)
    return torch.exp2((-5.55473 * c - 6.98316) * c)


def fresnel_schlick(f0: Tensor, v_dot_h: Tensor) -> Tensor:
    """Schlick Fresnel in the spherical-Gaussian form: F0 + (1 - F0) * fresnel_weight(v.h)."""
    return f0 + (1.0 - f0) * fresnel_weight(v_dot_h)


def specular_brdf(
    normals: Tensor, light_dir: Tensor, view_dir: Tensor, specular: Tensor, roughness: Tensor
) -> Tensor:
    """The specular BRDF value D G F / 4 (per steradian), zero where light or view is below the surface."""
    h = normalize(light_dir + view_dir)
    n_dot_l = dot(normals, light_dir)
    n_dot_v = dot(normals, view_dir)
    alpha = roughness_to_alpha(roughness)
    d = ggx_distribution(dot(normals, h), alpha)
    g = smith_g(n_dot_l, n_dot_v, alpha)
    f = fresnel_schlick(specular, dot(view_dir, h))
    visible = ((n_dot_l > 0) & (n_dot_v > 0)).to(d.dtype)
    return d * g * f * 0.25 * visible


def shade_point(
    normals: Tensor,
    light_dir: Tensor,
    view_dir: Tensor,
    diffuse: Tensor,
    specular: Tensor,
    roughness: Tensor,
    intensity: Tensor | float = 1.0,
) -> tuple[Tensor, Tensor]:
    """Radiance from one point light, split as (diffuse part, specular part).

    diffuse part = diffuse (n.l) I, specular part = pi D G F / 4 (n.l) I; their sum is the
    MATERIALS.md radiance. ``light_dir`` and ``view_dir`` are unit vectors from the surface.
    """
    n_dot_l = dot(normals, light_dir).clamp_min(0.0)
    spec = math.pi * specular_brdf(normals, light_dir, view_dir, specular, roughness)
    return diffuse * n_dot_l * intensity, spec * n_dot_l * intensity
