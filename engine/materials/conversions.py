"""Conversions artists need (MATERIALS.md): metal/rough, smoothness, DirectX normals, height, AO.

All functions take numpy arrays in the engine's numpy convention, channels last: (H,W,C) float32,
optionally with leading batch axes (...,H,W,C). Maps are linear; normals are unit vectors in OpenGL
tangent space (+X right, +Y up, +Z out) with components in [-1,1].

- :func:`specular_to_metallic` / :func:`metallic_to_specular`: the Khronos reference conversion
  between the diffuse/specular (F0) model and base colour + metallic with dielectric F0 = 0.04.
  Exact for grey-F0 = 0.04 dielectrics and diffuse-free metals; :func:`roundtrip_error` measures the
  loss on a given material (re-render error under point lights when the renderer is available).
- :func:`roughness_to_smoothness` / :func:`smoothness_to_roughness`: s = 1 - r (Unity).
- :func:`opengl_to_directx` / :func:`directx_to_opengl`: flip the green (Y) component.
- :func:`height_from_normals`: Frankot-Chellappa projection of the slopes onto integrable surfaces
  by FFT; ``periodic=True`` for tileable maps, otherwise the slopes are mirror-padded first.
  Height is in texel units (one pixel = one unit), zero mean: known up to offset and scale.
- :func:`normals_from_height`: central differences (wrapping when periodic), the inverse of the above.
- :func:`ambient_occlusion`: horizon-based AO from a height map.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import numpy as np

log = logging.getLogger(__name__)

DIELECTRIC_F0 = 0.04
_EPS = 1e-6
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _check_rgb(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim < 3 or x.shape[-1] != 3:
        raise ValueError(f"The {name} map must have shape (...,H,W,3), got {x.shape}.")
    return x


def _check_grey(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim < 3 or x.shape[-1] != 1:
        raise ValueError(f"The {name} map must have shape (...,H,W,1), got {x.shape}.")
    return x


def perceived_brightness(rgb: np.ndarray) -> np.ndarray:
    """sqrt(0.299 r^2 + 0.587 g^2 + 0.114 b^2), shape (...,1)."""
    rgb = _check_rgb("colour", rgb)
    return np.sqrt(np.sum(rgb * rgb * _LUMA, axis=-1, keepdims=True))


def _solve_metallic(diffuse: np.ndarray, specular: np.ndarray, one_minus_spec: np.ndarray) -> np.ndarray:
    a = DIELECTRIC_F0
    b = diffuse * one_minus_spec / (1.0 - a) + specular - 2.0 * a
    c = a - specular
    discriminant = np.maximum(b * b - 4.0 * a * c, 0.0)
    metallic = np.clip((-b + np.sqrt(discriminant)) / (2.0 * a), 0.0, 1.0)
    return np.where(specular < a, 0.0, metallic).astype(np.float32)


def specular_to_metallic(diffuse: np.ndarray, specular: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Diffuse albedo + specular F0 (...,H,W,3) -> (base colour (...,3), metallic (...,1)), in [0,1]."""
    diffuse = np.clip(_check_rgb("diffuse", diffuse), 0.0, 1.0)
    specular = np.clip(_check_rgb("specular", specular), 0.0, 1.0)
    if diffuse.shape != specular.shape:
        raise ValueError(f"The diffuse {diffuse.shape} and specular {specular.shape} maps differ in shape.")
    one_minus_spec = 1.0 - specular.max(axis=-1, keepdims=True)
    metallic = _solve_metallic(perceived_brightness(diffuse), perceived_brightness(specular), one_minus_spec)
    from_diffuse = diffuse * (one_minus_spec / (1.0 - DIELECTRIC_F0) / np.maximum(1.0 - metallic, _EPS))
    from_specular = (specular - DIELECTRIC_F0 * (1.0 - metallic)) / np.maximum(metallic, _EPS)
    weight = metallic * metallic
    base = np.clip(from_diffuse + (from_specular - from_diffuse) * weight, 0.0, 1.0)
    return base.astype(np.float32), metallic


def metallic_to_specular(base_color: np.ndarray, metallic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Base colour (...,3) + metallic (...,1) -> (diffuse = base (1-m), F0 = lerp(0.04, base, m))."""
    base_color = np.clip(_check_rgb("base colour", base_color), 0.0, 1.0)
    metallic = np.clip(_check_grey("metallic", metallic), 0.0, 1.0)
    diffuse = base_color * (1.0 - metallic)
    specular = DIELECTRIC_F0 + (base_color - DIELECTRIC_F0) * metallic
    return diffuse.astype(np.float32), specular.astype(np.float32)


def roughness_to_smoothness(roughness: np.ndarray) -> np.ndarray:
    """Unity smoothness s = 1 - r."""
    return (1.0 - np.clip(np.asarray(roughness, dtype=np.float32), 0.0, 1.0)).astype(np.float32)


def smoothness_to_roughness(smoothness: np.ndarray) -> np.ndarray:
    """Roughness r = 1 - s."""
    return roughness_to_smoothness(smoothness)


def opengl_to_directx(normals: np.ndarray) -> np.ndarray:
    """Flip the Y (green) component: +Y up (OpenGL) <-> +Y down (DirectX); encoded, G' = 1 - G."""
    n = _check_rgb("normals", normals).copy()
    n[..., 1] = -n[..., 1]
    return n


directx_to_opengl = opengl_to_directx


def _integrate_periodic(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Frankot-Chellappa: the least-squares periodic surface z with dz/dcol ~ p, dz/drow ~ q.

    Real FFTs in float32 (numpy >= 2 keeps the precision); the Nyquist terms carry no real
    derivative information and drop out, as in the complex formulation.
    """
    h, w = p.shape[-2:]
    wy = (2.0 * np.pi * np.fft.fftfreq(h)[:, None]).astype(np.float32)
    wx = (2.0 * np.pi * np.fft.rfftfreq(w)[None, :]).astype(np.float32)
    denominator = wx * wx + wy * wy
    denominator[0, 0] = 1.0
    z_hat = (np.fft.rfft2(p.astype(np.float32)) * wx + np.fft.rfft2(q.astype(np.float32)) * wy)
    z_hat *= -1j / denominator
    z_hat[..., 0, 0] = 0.0
    return np.fft.irfft2(z_hat, s=(h, w)).astype(np.float32)


def _mirror(x: np.ndarray, sign_x: float, sign_y: float) -> np.ndarray:
    top = np.concatenate([x, sign_x * x[..., :, ::-1]], axis=-1)
    return np.concatenate([top, sign_y * top[..., ::-1, :]], axis=-2)


def height_from_normals(normals: np.ndarray, periodic: bool = True, min_nz: float = 0.05) -> np.ndarray:
    """Integrate a normal map (...,H,W,3) into a zero-mean height map (...,H,W,1) in texel units.

    Slopes are dz/dcol = -n_x/n_z and dz/drow = +n_y/n_z (rows run down, +Y is up); ``min_nz``
    bounds the slope of grazing normals. ``periodic=False`` mirror-pads the slopes to twice the size
    (an even, hence seamless, extension) so that non-tileable maps do not wrap around.
    """
    n = _check_rgb("normals", normals)
    nz = np.maximum(n[..., 2], min_nz)
    p = -n[..., 0] / nz
    q = n[..., 1] / nz
    if periodic:
        z = _integrate_periodic(p, q)
    else:
        h, w = p.shape[-2:]
        z = _integrate_periodic(_mirror(p, -1.0, 1.0), _mirror(q, 1.0, -1.0))[..., :h, :w]
    z = z - z.mean(axis=(-2, -1), keepdims=True)
    return z[..., None].astype(np.float32)


def _gradient(z: np.ndarray, axis: int, periodic: bool) -> np.ndarray:
    if periodic:
        return 0.5 * (np.roll(z, -1, axis=axis) - np.roll(z, 1, axis=axis))
    if z.shape[axis] < 2:
        return np.zeros_like(z)
    return np.gradient(z, axis=axis)


def normals_from_height(height: np.ndarray, scale: float = 1.0, periodic: bool = True) -> np.ndarray:
    """Unit normals (...,H,W,3) of the height map (...,H,W,1) given in texel units times ``scale``."""
    z = _check_grey("height", height)[..., 0] * float(scale)
    dz_dcol = _gradient(z, -1, periodic)
    dz_drow = _gradient(z, -2, periodic)
    n = np.stack([-dz_dcol, dz_drow, np.ones_like(z)], axis=-1)
    return (n / np.linalg.norm(n, axis=-1, keepdims=True)).astype(np.float32)


def ambient_occlusion(
    height: np.ndarray,
    radius: int = 16,
    directions: int = 8,
    periodic: bool = True,
    strength: float = 1.0,
) -> np.ndarray:
    """Horizon-based ambient occlusion (...,H,W,1) in [0,1] (1 = open) from height in texel units.

    For each of ``directions`` azimuths, march up to ``radius`` texels and keep the highest elevation
    angle of the terrain; AO = 1 - mean(sin(horizon angle)) (cosine-weighted for a uniform horizon).
    """
    z = _check_grey("height", height)[..., 0].astype(np.float32)
    if radius < 1 or directions < 1:
        raise ValueError("The AO radius and number of directions must be at least 1.")
    if not periodic:
        pad = [(0, 0)] * (z.ndim - 2) + [(radius, radius), (radius, radius)]
        z = np.pad(z, pad, mode="reflect" if min(z.shape[-2:]) > radius else "edge")
    occlusion = np.zeros_like(z)
    steps = sorted({max(1, int(round(r))) for r in np.geomspace(1, radius, num=min(radius, 8))})
    for k in range(directions):
        angle = 2.0 * np.pi * k / directions
        dx, dy = np.cos(angle), np.sin(angle)
        horizon = np.zeros_like(z)
        for step in steps:
            shifted = np.roll(z, (-int(round(dy * step)), -int(round(dx * step))), axis=(-2, -1))
            horizon = np.maximum(horizon, (shifted - z) / float(step))
        occlusion += horizon / np.sqrt(1.0 + horizon * horizon)  # sin(atan(slope))
    ao = 1.0 - strength * occlusion / directions
    if not periodic:
        ao = ao[..., radius:-radius, radius:-radius]
    return np.clip(ao, 0.0, 1.0)[..., None].astype(np.float32)


@dataclass
class RoundTripError:
    """How much the diffuse/specular -> metal/rough -> diffuse/specular round trip loses.

    ``method`` is ``"render"`` (RMSE of linear re-renders under point lights, ``psnr`` against the
    brightest reference pixel) or ``"maps"`` (RMSE of the diffuse and specular maps themselves).
    """

    method: str
    rmse: float
    psnr: float
    per_map: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain JSON-safe values (an infinite PSNR, for a lossless round trip, becomes None)."""
        data = asdict(self)
        data["psnr"] = None if not np.isfinite(self.psnr) else round(self.psnr, 3)
        return data


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


def _psnr(rmse: float, peak: float) -> float:
    return float("inf") if rmse <= 0 else float(20.0 * np.log10(max(peak, _EPS) / rmse))


def _render_error(maps: dict, converted: dict, fov_degrees: float) -> RoundTripError:
    import torch

    from engine.materials import camera_distance, render_point

    def to_torch(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).permute(2, 0, 1)[None]

    h, w = maps["diffuse"].shape[:2]
    roughness = maps.get("roughness", np.full((h, w, 1), 0.5, np.float32))
    normals = maps.get("normals", np.broadcast_to(np.float32([0, 0, 1]), (h, w, 3)))
    shared = {"roughness": to_torch(roughness), "normals": to_torch(normals)}
    shared["normals"] = torch.nn.functional.normalize(shared["normals"], dim=1)
    reference = {**shared, "diffuse": to_torch(maps["diffuse"]), "specular": to_torch(maps["specular"])}
    candidate = {
        **shared,
        "diffuse": to_torch(converted["diffuse"]),
        "specular": to_torch(converted["specular"]),
    }
    # one batched render: a colocated flash and two offset point lights
    d = camera_distance(fov_degrees)
    lights = torch.tensor([[0.0, 0.0, d], [0.8, 0.5, d], [-0.6, -0.7, d]])
    camera = torch.tensor([0.0, 0.0, d])
    with torch.no_grad():
        ref = render_point(_batched(reference, len(lights)), lights, camera)
        out = render_point(_batched(candidate, len(lights)), lights, camera)
    rmse = _rmse(ref.numpy(), out.numpy())
    per_map = {name: _rmse(maps[name], converted[name]) for name in ("diffuse", "specular")}
    return RoundTripError("render", rmse, _psnr(rmse, float(ref.max())), per_map)


def _batched(maps: dict, count: int) -> dict:
    return {name: t.expand(count, -1, -1, -1) for name, t in maps.items()}


def _shrink(x: np.ndarray, max_size: int | None) -> np.ndarray:
    """Block-average (H,W,C) by the smallest integer factor that brings it to <= max_size a side."""
    h, w = x.shape[:2]
    if max_size is None or max(h, w) <= max_size:
        return np.asarray(x, dtype=np.float32)
    f = -(-max(h, w) // max_size)
    h2, w2 = max(1, h // f), max(1, w // f)
    f_h, f_w = min(f, h), min(f, w)
    block = np.asarray(x[: h2 * f_h, : w2 * f_w], dtype=np.float32)
    return block.reshape(h2, f_h, w2, f_w, -1).mean(axis=(1, 3))


def roundtrip_error(
    maps: dict[str, np.ndarray],
    fov_degrees: float = 45.0,
    use_renderer: bool = True,
    max_size: int | None = 128,
) -> RoundTripError:
    """Measure the metal/rough round-trip loss of ``maps`` (diffuse, specular, optional roughness/normals).

    Converts to base colour + metallic and back, then compares re-renders of both under a colocated
    flash and two offset point lights, or falls back to the map-space RMSE when the renderer is not
    available or ``use_renderer`` is False. For speed the maps are first block-averaged to at most
    ``max_size`` pixels a side (None: full resolution); the conversion is per pixel, so this
    estimates the full-resolution error.
    """
    if "diffuse" not in maps or "specular" not in maps:
        raise ValueError("The round-trip error needs the diffuse and specular maps.")
    maps = {k: _shrink(v, max_size) for k, v in maps.items() if k in ("diffuse", "specular", "roughness",
                                                                       "normals")}
    base, metallic = specular_to_metallic(maps["diffuse"], maps["specular"])
    diffuse, specular = metallic_to_specular(base, metallic)
    converted = {"diffuse": diffuse, "specular": specular}
    if use_renderer:
        try:
            return _render_error(maps, converted, fov_degrees)
        except ImportError as error:
            log.info("renderer unavailable (%s); measuring the round trip in map space", error)
    per_map = {name: _rmse(maps[name], converted[name]) for name in ("diffuse", "specular")}
    stacked = _rmse(
        np.concatenate([maps["diffuse"], maps["specular"]], -1), np.concatenate([diffuse, specular], -1)
    )
    return RoundTripError("maps", stacked, _psnr(stacked, 1.0), per_map)
