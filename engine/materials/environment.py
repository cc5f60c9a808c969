"""Image-based lighting from equirectangular HDR environments: PREFILTERED (split-sum), not sampled.

Prefiltering, done once per environment by deterministic quadrature over a downsampled map:
- irradiance E(n) = integral of L(w) max(n.w, 0) dw on a 32x64 grid of normals, normalised by the
  quadrature of the cosine itself so that a constant environment L gives E = pi L exactly;
- specular radiance P_k(R) at roughness levels r_k in ``LEVELS``: the GGX lobe D(h)/4 (n.l) with
  n = v = R (Karis' assumption) used as quadrature weights; level 0 is the (box-filtered) mirror image;
  roughness between levels is interpolated linearly;
- the split-sum factors A, B (n.v, r) of this module's exact BRDF (GGX, Smith-Schlick k=alpha/2,
  spherical-Gaussian Schlick) by 1024-sample GGX importance sampling, so spec = P(r, reflect(v, n)) *
  (F0 A + B).

Radiance = diffuse / pi * E(n) + spec. Differentiable in every map; no shadows or interreflections.
Directions: +y up; the equirect column u in [0,1) maps to phi = 2 pi u - pi and the row v to theta = pi v
(v = 0 at the zenith), d = (sin th sin phi, cos th, -sin th cos phi): the image centre looks toward -z.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.materials.brdf import (
    dot,
    fresnel_weight,
    normalize,
    roughness_to_alpha,
    smith_g1,
)

LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
_SOURCE = {0.0: (128, 256), 0.25: (64, 128), 0.5: (32, 64), 0.75: (32, 64), 1.0: (32, 64)}
_TARGET = {0.0: (128, 256), 0.25: (32, 64), 0.5: (32, 64), 0.75: (16, 32), 1.0: (16, 32)}
_IRRADIANCE = (32, 64)


def load_exr(path: str | Path) -> Tensor:
    """An EXR file's RGB pixels as a float32 (3, H, W) tensor (linear radiance)."""
    import numpy as np
    import OpenEXR

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"The environment map {path} does not exist.")
    with OpenEXR.File(str(path)) as exr:
        channels = exr.channels()
        if "RGB" in channels:
            pixels = np.asarray(channels["RGB"].pixels, dtype=np.float32)
        elif all(c in channels for c in "RGB"):
            pixels = np.stack([np.asarray(channels[c].pixels, dtype=np.float32) for c in "RGB"], axis=-1)
        else:
            raise ValueError(f"The EXR file {path} has no RGB channels (found {', '.join(channels)}).")
    pixels = np.nan_to_num(pixels, nan=0.0, posinf=0.0, neginf=0.0).clip(0, None)
    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))


def equirect_directions(height: int, width: int, device=None, dtype=torch.float32) -> tuple[Tensor, Tensor]:
    """Unit directions (3, H, W) of equirect pixel centres and their solid angles (H, W)."""
    theta = (torch.arange(height, device=device, dtype=dtype) + 0.5) * (math.pi / height)
    phi = (torch.arange(width, device=device, dtype=dtype) + 0.5) * (2 * math.pi / width) - math.pi
    th, ph = torch.meshgrid(theta, phi, indexing="ij")
    d = torch.stack([torch.sin(th) * torch.sin(ph), torch.cos(th), -torch.sin(th) * torch.cos(ph)])
    solid = torch.sin(th) * (math.pi / height) * (2 * math.pi / width)
    return d, solid


def direction_to_uv(d: Tensor, dim: int = 1) -> tuple[Tensor, Tensor]:
    """Equirect (u, v) in [0,1] of unit directions (vector along ``dim``)."""
    x, y, z = d.unbind(dim)
    u = (torch.atan2(x, -z) + math.pi) / (2 * math.pi)
    v = torch.acos(y.clamp(-1.0, 1.0)) / math.pi
    return u, v


def equirect_grid(d: Tensor) -> Tensor:
    """grid_sample coordinates (B,H,W,2) for directions d (B,3,H,W); x in [0, 1] spans the image's
    columns (the sampler adds the one-column wrap padding)."""
    u, v = direction_to_uv(d, dim=1)
    return torch.stack([u, v], dim=-1)


def sample_equirect(image: Tensor, d: Tensor, grid: Tensor | None = None) -> Tensor:
    """Bilinear lookup (B,3,H,W) of an equirect (3,h,w) map in directions d (B,3,H,W), wrapping in u;
    pass ``grid = equirect_grid(d)`` to reuse the direction-to-uv work across several maps."""
    uv = equirect_grid(d) if grid is None else grid
    padded = torch.cat([image[..., -1:], image, image[..., :1]], dim=-1).unsqueeze(0)
    w = image.shape[-1]
    gx = (uv[..., 0] * w + 1.0) / (w + 2) * 2 - 1  # column c (u*w = c + 0.5) sits at padded pixel c + 1
    gxy = torch.stack([gx, uv[..., 1] * 2 - 1], dim=-1)
    return F.grid_sample(padded.expand(uv.shape[0], -1, -1, -1), gxy, mode="bilinear",
                         padding_mode="border", align_corners=False)


def _downsample(image: Tensor, size: tuple[int, int]) -> Tensor:
    return F.interpolate(image.unsqueeze(0), size=size, mode="area").squeeze(0)


def _prefilter(image: Tensor, weight_fn, source: tuple[int, int], target: tuple[int, int]) -> Tensor:
    """Weighted quadrature: out(R) = sum L(w) K(R, w) dw / sum K(R, w) dw over a downsampled source."""
    src = _downsample(image, source).reshape(3, -1)
    dirs, solid = equirect_directions(*source, device=image.device, dtype=image.dtype)
    dirs, solid = dirs.reshape(3, -1), solid.reshape(-1)
    out_dirs, _ = equirect_directions(*target, device=image.device, dtype=image.dtype)
    out_dirs = out_dirs.reshape(3, -1)
    result = []
    for chunk in out_dirs.split(1024, dim=1):
        cos = chunk.T @ dirs  # (n_out, n_src)
        k = weight_fn(chunk, dirs, cos) * solid
        result.append((k @ src.T) / k.sum(dim=1, keepdim=True).clamp_min(1e-12))
    return torch.cat(result).T.reshape(3, *target)


def _ggx_lobe(alpha: float):
    """Quadrature weights D(h)/4 (R.w) up to a constant (the normalisation removes constants)."""
    a2m1 = alpha * alpha - 1.0

    def weight(r: Tensor, w: Tensor, cos: Tensor) -> Tensor:
        # (n.h)^2 = (1 + cos) / 2 for h = normalize(R + w), n = R
        denom = cos.add(1.0).mul_(0.5 * a2m1).add_(1.0)
        return cos.clamp_min(0.0).div_(denom.mul_(denom))

    return weight


@dataclass
class Environment:
    """A prefiltered environment: irradiance (3,h,w) and one specular map per roughness level."""

    irradiance: Tensor
    specular: list[Tensor]
    levels: tuple[float, ...] = LEVELS

    @classmethod
    def from_image(cls, image: Tensor) -> Environment:
        """Prefilter an equirect radiance map (3, H, W)."""
        if image.dim() != 3 or image.shape[0] != 3:
            raise ValueError(f"The environment must be a (3,H,W) radiance map, got {tuple(image.shape)}.")
        image = image.float()
        irr = _prefilter(image, lambda n, w, cos: cos.clamp_min(0.0), _IRRADIANCE, _IRRADIANCE) * math.pi
        spec = []
        for r in LEVELS:
            if r == 0.0:
                spec.append(_downsample(image, _TARGET[r]))
            else:
                alpha = float(roughness_to_alpha(torch.tensor(r)))
                spec.append(_prefilter(image, _ggx_lobe(alpha), _SOURCE[r], _TARGET[r]))
        return cls(irr, spec)

    @classmethod
    def from_exr(cls, path: str | Path) -> Environment:
        return cls.from_image(load_exr(path))

    @classmethod
    def constant(cls, radiance: float | tuple[float, float, float]) -> Environment:
        value = torch.as_tensor(radiance, dtype=torch.float32).reshape(-1, 1, 1).expand(3, 16, 32)
        return cls.from_image(value.clone())

    def to(self, device=None, dtype=None) -> Environment:
        return Environment(self.irradiance.to(device, dtype), [s.to(device, dtype) for s in self.specular])


@functools.lru_cache(maxsize=8)
def _split_sum_table(size: int = 32, samples: int = 1024) -> Tensor:
    """(2, size, size) table of A (index 0) and B over (roughness rows, n.v columns), float64 maths."""
    dtype = torch.float64
    i = torch.arange(samples, dtype=dtype)
    bits = torch.zeros(samples, dtype=dtype)
    for b in range(16):  # radical inverse base 2
        bits += ((i.long() >> b) & 1).to(dtype) * 2.0 ** (-(b + 1))
    xi1 = (i + 0.5) / samples
    xi2 = bits
    r = (torch.arange(size, dtype=dtype) + 0.5) / size
    nv = (torch.arange(size, dtype=dtype) + 0.5) / size
    alpha = roughness_to_alpha(r).view(size, 1, 1)
    cos_h = torch.sqrt((1 - xi1) / (1 + (alpha**2 - 1) * xi1))  # GGX importance sampling of h
    sin_h = torch.sqrt((1 - cos_h**2).clamp_min(0))
    phi = 2 * math.pi * xi2
    h = torch.stack(torch.broadcast_tensors(sin_h * torch.cos(phi), sin_h * torch.sin(phi), cos_h))
    v = torch.stack([torch.sqrt(1 - nv**2), torch.zeros_like(nv), nv]).view(3, 1, size, 1)
    # h: (3, R, 1, S); v: (3, 1, N, 1)
    v_dot_h = dot(v, h, dim=0).squeeze(0)
    l_vec = 2 * v_dot_h.unsqueeze(0) * h - v
    n_dot_l = l_vec[2]
    n_dot_v = v[2]
    n_dot_h = h[2]
    weight = smith_g1(n_dot_l, alpha) * smith_g1(n_dot_v, alpha) * n_dot_l * v_dot_h / n_dot_h
    weight = torch.where((n_dot_l > 0) & (v_dot_h > 0), weight, torch.zeros_like(weight))
    fw = fresnel_weight(v_dot_h)
    table = torch.stack([(weight * (1 - fw)).mean(-1), (weight * fw).mean(-1)])
    return table.float()


def split_sum(n_dot_v: Tensor, roughness: Tensor) -> tuple[Tensor, Tensor]:
    """The split-sum factors (A, B) for the given n.v and roughness, each shaped like ``roughness``."""
    table = _split_sum_table().to(device=roughness.device, dtype=roughness.dtype)
    # grid_sample with align_corners=False puts table cell centres at (i + 0.5) / size, as built
    grid = torch.stack([n_dot_v.squeeze(1) * 2 - 1, roughness.squeeze(1) * 2 - 1], dim=-1)
    ab = F.grid_sample(table.unsqueeze(0).expand(roughness.shape[0], -1, -1, -1), grid,
                       mode="bilinear", padding_mode="border", align_corners=False)
    return ab[:, 0:1], ab[:, 1:2]


def shade_environment(
    normals: Tensor,
    view_dir: Tensor,
    diffuse: Tensor,
    specular: Tensor,
    roughness: Tensor,
    environment: Environment,
) -> tuple[Tensor, Tensor]:
    """Environment-lit radiance split as (diffuse part, specular part); vectors (B,3,H,W) in the
    environment's frame, ``view_dir`` pointing from the surface to the camera."""
    env = environment.to(normals.device, normals.dtype)
    irradiance = sample_equirect(env.irradiance, normals)
    diffuse_part = diffuse * irradiance / math.pi
    n_dot_v = dot(normals, view_dir).clamp(1e-4, 1.0)
    reflected = normalize(2 * n_dot_v * normals - view_dir)
    r = roughness.clamp(0.0, 1.0)
    prefiltered = torch.zeros_like(diffuse_part)
    step = env.levels[1] - env.levels[0]
    grid = equirect_grid(reflected)
    for level, image in zip(env.levels, env.specular, strict=True):
        hat = (1 - (r - level).abs() / step).clamp_min(0.0)
        if bool((hat > 0).any()):
            prefiltered = prefiltered + hat * sample_equirect(image, reflected, grid)
    a, b = split_sum(n_dot_v, r)
    return diffuse_part, prefiltered * (specular * a + b)


def environment_names() -> list[str]:
    """Names of the bundled HDR environments (assets/hdri/<name>.exr)."""
    from engine.paths import assets_dir

    return sorted(p.stem for p in (assets_dir() / "hdri").glob("*.exr"))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Environment:
    return Environment.from_exr(path)


def load_environment(name_or_path: str | Path) -> Environment:
    """A prefiltered environment from a bundled name (e.g. 'forest') or an EXR path; cached in memory."""
    from engine.paths import assets_dir

    path = Path(name_or_path)
    if not path.suffix:
        path = assets_dir() / "hdri" / f"{name_or_path}.exr"
        if not path.is_file():
            raise FileNotFoundError(
                f"No bundled environment '{name_or_path}'; choose one of {', '.join(environment_names())}."
            )
    if not path.is_file():
        raise FileNotFoundError(f"The environment map {path} does not exist.")
    return _load_cached(str(path.resolve()), path.stat().st_mtime)
