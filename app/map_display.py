"""How each engine map is shown on screen (Qt-free): encode to display values in [0, 1] and pick a
channel. Colour maps are sRGB-encoded, normals shown as (n + 1) / 2, data maps as they are."""

from __future__ import annotations

import numpy as np

from app.images import linear_to_srgb

COLOUR_MAPS = {"diffuse", "specular", "albedo", "image", "photo", "diffuseshading", "residual", "basecolor"}
SIGNED_MAPS = {"normals", "normal", "halfway"}
CHANNELS = ("RGB", "R", "G", "B", "A", "Luminance")
MAP_ORDER = ("photo", "diffuse", "specular", "roughness", "normals", "albedo", "diffuseshading",
             "residual", "depth")
MAP_TITLES = {
    "photo": "Photo (input)",
    "diffuse": "Diffuse",
    "specular": "Specular",
    "roughness": "Roughness",
    "normals": "Normals",
    "albedo": "Albedo",
    "diffuseshading": "Diffuse shading",
    "residual": "Residual (highlights)",
    "depth": "Depth",
}


def ordered(names) -> list[str]:
    rank = {n: i for i, n in enumerate(MAP_ORDER)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def title(name: str) -> str:
    return MAP_TITLES.get(name, name.replace("_", " ").capitalize())


_SRGB_LUT = (linear_to_srgb(np.linspace(0.0, 1.0, 4096, dtype=np.float32)) * 255.0 + 0.5).astype(np.uint8)


def display_u8(name: str, array: np.ndarray) -> np.ndarray:
    """Like :func:`display_values` but as (H, W, C) uint8, through a 12-bit sRGB lookup table
    for colour maps (several times faster than the exact curve; used for on-screen views)."""
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 2:
        array = array[..., None]
    if name in COLOUR_MAPS:
        index = (np.clip(array, 0.0, 1.0) * 4095.0 + 0.5).astype(np.uint16)
        return _SRGB_LUT[index]
    return (display_values(name, array) * 255.0 + 0.5).astype(np.uint8)


def display_values(name: str, array: np.ndarray) -> np.ndarray:
    """(H, W, C) engine values -> (H, W, C) float32 display values in [0, 1]."""
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 2:
        array = array[..., None]
    if name in SIGNED_MAPS:
        return np.clip((array + 1.0) * 0.5, 0.0, 1.0)
    if name in COLOUR_MAPS:
        return linear_to_srgb(array)
    if name == "depth":
        lo, hi = float(array.min()), float(array.max())
        return (array - lo) / (hi - lo) if hi > lo else np.zeros_like(array)
    return np.clip(array, 0.0, 1.0)


def select_channel(values: np.ndarray, channel: str) -> np.ndarray:
    """Pick what the channel selector asks for: (H, W, 3) for RGB, (H, W) for one channel."""
    if values.shape[2] == 1:
        return values[..., 0]
    if channel == "RGB":
        return values[..., :3]
    if channel == "Luminance":
        lum = values[..., :3] @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
        return (lum + 0.5).astype(values.dtype) if values.dtype == np.uint8 else lum
    index = "RGBA".index(channel)
    if index >= values.shape[2]:
        if channel == "A":  # no alpha: fully opaque
            return np.full(values.shape[:2], 255 if values.dtype == np.uint8 else 1.0, values.dtype)
        return values[..., 0]
    return values[..., index]
