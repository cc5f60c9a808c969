"""HDR environments for the viewport, GL-free: loading, irradiance SH, and the prefilter cache.

An environment is an equirectangular linear RGB panorama (+y up, row 0 = top, u = 0.5 at -z,
growing towards +x; see ``shaders/common.glsl:equirect_uv``). Diffuse light uses the irradiance
projected on 9 spherical harmonics (Ramamoorthi & Hanrahan); specular light uses the prefiltered
mip chain that ``environment_gl.prefilter`` renders, cached in memory and on disk (npz, float16)
under ``engine.paths.cache_dir() / "viewport"``.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.paths import assets_dir, cache_dir

log = logging.getLogger(__name__)

CACHE_VERSION = 1
BASE_WIDTH = 512  # prefiltered level 0 (mirror) width; each level halves
LEVELS = 6  # roughness r of level i = i / (LEVELS - 1)
SAMPLES = 128  # GGX samples per texel of the prefiltered levels
_FLOAT16_MAX = 65000.0


@dataclass(frozen=True)
class PrefilteredEnvironment:
    levels: tuple[np.ndarray, ...]  # (H_i, W_i, 3) float32, level i for roughness i / (n - 1)
    sh: np.ndarray  # (9, 3) float32 irradiance coefficients (cosine-convolved)


_MEMORY: dict[str, PrefilteredEnvironment] = {}


def available_environments() -> list[str]:
    """Names of the bundled HDRIs (``assets/hdri/<name>.exr``)."""
    return sorted(p.stem for p in (assets_dir() / "hdri").glob("*.exr"))


def resolve_environment(name_or_path: str) -> Path:
    """The .exr file for a bundled name ("studio") or a path."""
    path = Path(name_or_path)
    if path.suffix.lower() != ".exr":
        path = assets_dir() / "hdri" / f"{name_or_path}.exr"
    if not path.is_file():
        names = ", ".join(available_environments()) or "none bundled"
        raise ValueError(
            f"Environment {name_or_path!r} is neither a bundled HDRI ({names}) nor an .exr file."
        )
    return path


def load_hdri(path: Path) -> np.ndarray:
    """An equirectangular EXR as (H, W, 3) float32 linear RGB."""
    import OpenEXR

    with OpenEXR.File(str(path)) as exr:
        channels = exr.channels()
        if "RGB" in channels:
            pixels = np.asarray(channels["RGB"].pixels, dtype=np.float32)
        elif all(c in channels for c in "RGB"):
            pixels = np.stack([np.asarray(channels[c].pixels, np.float32) for c in "RGB"], axis=-1)
        else:
            raise ValueError(f"{path.name} has no RGB channels (found {', '.join(channels)}).")
    if pixels.ndim != 3 or pixels.shape[1] != 2 * pixels.shape[0]:
        raise ValueError(f"{path.name} is not an equirectangular (2:1) panorama: {pixels.shape}.")
    return np.ascontiguousarray(np.nan_to_num(np.clip(pixels, 0.0, None)), dtype=np.float32)


def equirect_directions(height: int, width: int) -> np.ndarray:
    """(H, W, 3) unit directions of the texel centres (twin of ``common.glsl:equirect_dir``)."""
    u = (np.arange(width) + 0.5) / width
    v = (np.arange(height) + 0.5) / height
    phi = (u[None, :] - 0.5) * 2 * np.pi
    theta = v[:, None] * np.pi
    return np.stack(
        np.broadcast_arrays(np.sin(theta) * np.sin(phi), np.cos(theta), -np.sin(theta) * np.cos(phi)), axis=-1
    )


def sh9_basis(d: np.ndarray) -> np.ndarray:
    """(..., 9) real SH basis up to l = 2 in the order used by ``viewport.glsl:irradiance_sh``."""
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    return np.stack(
        [
            np.full_like(x, 0.282095),
            0.488603 * y,
            0.488603 * z,
            0.488603 * x,
            1.092548 * x * y,
            1.092548 * y * z,
            0.315392 * (3 * z * z - 1),
            1.092548 * x * z,
            0.546274 * (x * x - y * y),
        ],
        axis=-1,
    )


def irradiance_sh(panorama: np.ndarray) -> np.ndarray:
    """(9, 3) SH coefficients of the irradiance E(n) = integral L(w) max(n.w, 0) dw."""
    h, w, _ = panorama.shape
    step = max(1, h // 128)  # 128 rows is plenty for l <= 2
    small = (
        panorama.reshape(h // step, step, w // step, step, 3).mean(axis=(1, 3))
        if h % step == 0 and w % step == 0
        else panorama
    )
    sh_h, sh_w, _ = small.shape
    dirs = equirect_directions(sh_h, sh_w)
    theta = (np.arange(sh_h) + 0.5) / sh_h * np.pi
    solid_angle = (2 * np.pi / sh_w) * (np.pi / sh_h) * np.sin(theta)[:, None]
    basis = sh9_basis(dirs)  # (h, w, 9)
    radiance_sh = np.einsum("hwk,hwc,hw->kc", basis, small.astype(np.float64), solid_angle)
    band = np.array([math.pi] + [2 * math.pi / 3] * 3 + [math.pi / 4] * 5)
    return (radiance_sh * band[:, None]).astype(np.float32)


def evaluate_sh(sh: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Irradiance (..., 3) for unit normals (..., 3) from ``irradiance_sh`` coefficients."""
    return sh9_basis(normals) @ sh


def cache_key(path: Path) -> str:
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    return f"v{CACHE_VERSION}-{digest}-{BASE_WIDTH}x{LEVELS}x{SAMPLES}"


def cached(key: str) -> PrefilteredEnvironment | None:
    """The prefiltered environment from memory or the disk cache, or None."""
    if key in _MEMORY:
        return _MEMORY[key]
    file = cache_dir() / "viewport" / f"env-{key}.npz"
    if not file.is_file():
        return None
    try:
        with np.load(file, allow_pickle=False) as data:
            levels = tuple(data[f"level{i}"].astype(np.float32) for i in range(LEVELS))
            env = PrefilteredEnvironment(levels, data["sh"].astype(np.float32))
    except (OSError, KeyError, ValueError) as exc:
        log.warning("viewport: ignoring unreadable environment cache %s (%s)", file, exc)
        return None
    _MEMORY[key] = env
    return env


def store(key: str, env: PrefilteredEnvironment) -> None:
    """Keep in memory and write the disk cache (best effort: a failed write only logs)."""
    _MEMORY[key] = env
    folder = cache_dir() / "viewport"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {
            f"level{i}": np.clip(lv, 0, _FLOAT16_MAX).astype(np.float16) for i, lv in enumerate(env.levels)
        }
        tmp = folder / f"env-{key}.tmp.npz"
        np.savez(tmp, sh=env.sh, **arrays)
        tmp.replace(folder / f"env-{key}.npz")
    except OSError as exc:
        log.warning("viewport: could not write the environment cache (%s)", exc)


def clear_memory_cache() -> None:
    _MEMORY.clear()
