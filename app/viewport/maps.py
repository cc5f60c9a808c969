"""Bring material maps into the viewport's form: dict name -> float32 (H, W, C) numpy arrays.

Accepts the conventions of docs/architecture/contracts.md: numpy (H, W, C) / (H, W), or torch
(B, C, H, W) / (C, H, W) (batch row 0 is shown). Missing maps get neutral defaults (logged), so a
partial result can still be looked at. ``height`` is optional; when absent it is integrated from the
normals on demand (``display_height``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

CHANNELS = {"diffuse": 3, "specular": 3, "roughness": 1, "normals": 3, "height": 1}
DEFAULTS = {
    "diffuse": (0.5, 0.5, 0.5),
    "specular": (0.04, 0.04, 0.04),
    "roughness": (0.5,),
    "normals": (0.0, 0.0, 1.0),
}


def to_hwc(name: str, value: Any) -> np.ndarray:
    """One map as a float32 (H, W, C) numpy array (torch tensors are moved to the CPU)."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        array = value.detach().to("cpu").float().numpy()
        if array.ndim == 4:
            array = array[0]
        if array.ndim != 3:
            raise ValueError(f"Map {name!r} as a tensor must be (B,C,H,W) or (C,H,W), got {array.shape}.")
        array = np.moveaxis(array, 0, -1)
    else:
        array = np.asarray(value, dtype=np.float32)
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise ValueError(f"Map {name!r} must be an (H,W,C) or (H,W) array, got shape {array.shape}.")
    want = CHANNELS.get(name)
    if want == 1 and array.shape[-1] in (3, 4):
        array = array[..., :1]  # roughness/height stored as grey RGB
    if want == 3 and array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    if want is not None and array.shape[-1] != want:
        raise ValueError(f"Map {name!r} must have {want} channel(s), got {array.shape[-1]}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Map {name!r} contains NaN or infinite values.")
    return np.ascontiguousarray(array, dtype=np.float32)


def prepare_maps(maps: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Check sizes, convert, and fill missing SVBRDF maps with neutral defaults."""
    if not maps:
        raise ValueError("No maps were given to the viewport.")
    if "diffuse" not in maps and "albedo" in maps:  # an intrinsic result: show its albedo as diffuse
        maps = {**maps, "diffuse": maps["albedo"]}
    out = {name: to_hwc(name, value) for name, value in maps.items() if name in CHANNELS}
    if not out:
        raise ValueError(
            f"None of the maps {sorted(maps)} is one the viewport shows ({', '.join(CHANNELS)})."
        )
    sizes = {arr.shape[:2] for arr in out.values()}
    if len(sizes) != 1:
        raise ValueError(f"All maps must have the same height and width, got {sorted(sizes)}.")
    (size,) = sizes
    missing = [name for name in DEFAULTS if name not in out]
    if missing:
        log.info("viewport: no %s map, using neutral defaults", ", ".join(missing))
    for name in missing:
        out[name] = np.broadcast_to(np.asarray(DEFAULTS[name], np.float32), (*size, CHANNELS[name])).copy()
    return out


def display_height(maps: dict[str, np.ndarray]) -> np.ndarray:
    """The height map (H, W, 1) scaled to [0, 1] (1 = top): the given one, or integrated from normals.

    Integration is ``engine.materials.conversions.height_from_normals`` (Frankot-Chellappa,
    mirror-padded so non-tileable maps do not wrap).
    """
    if "height" in maps:
        z = maps["height"][..., :1].astype(np.float64)
    else:
        from engine.materials.conversions import height_from_normals

        z = height_from_normals(maps["normals"], periodic=False).astype(np.float64)
    lo, hi = float(z.min()), float(z.max())
    if hi - lo <= 1e-12:
        return np.full(z.shape, 0.5, np.float32)
    return ((z - lo) / (hi - lo)).astype(np.float32)
