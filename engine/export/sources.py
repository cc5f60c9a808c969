"""Derived maps that export presets pack into files, computed lazily from the engine maps.

Sources and the values they hold (all (H,W,C) float32):

=================== == ===================================================================
basecolor           3  linear [0,1]: Khronos conversion of diffuse/specular, or the albedo
metallic            1  [0,1] (0 when the material has only an albedo)
roughness           1  [0,1]
smoothness          1  1 - roughness
normal              3  encoded (n+1)/2, in the preset's convention (OpenGL or DirectX)
normal_gl/normal_dx 3  encoded (n+1)/2 in that convention
height              1  [0,1]: Frankot-Chellappa height from the normals, min-max normalised
ao                  1  [0,1]: horizon-based AO of that height (1 when AO is switched off)
diffuse, specular,  3  linear [0,1] as estimated
albedo
diffuseshading,     3  linear, unbounded (EXR)
residual, image
depth               1  relative, unbounded (EXR)
preview             3  linear [0,1]: Reinhard tone map of albedo * shading + residual (or image)
"0", "0.5", "1"...  1  a constant
=================== == ===================================================================
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from engine.materials import conversions as cv

log = logging.getLogger(__name__)

CHANNEL_SUFFIXES = {"r": 0, "g": 1, "b": 2, "a": 3}
UNBOUNDED = frozenset({"diffuseshading", "residual", "image", "depth"})
_WIDTHS = {"basecolor": 3, "metallic": 1, "roughness": 1, "smoothness": 1, "normal": 3, "normal_gl": 3,
           "normal_dx": 3, "height": 1, "ao": 1, "diffuse": 3, "specular": 3, "albedo": 3,
           "diffuseshading": 3, "residual": 3, "image": 3, "depth": 1, "preview": 3}
SOURCES = tuple(_WIDTHS)


class MissingSource(ValueError):
    """A preset asks for a map that cannot be made from the material's maps."""


def _is_constant(name: str) -> bool:
    try:
        float(name)
    except ValueError:
        return False
    return True


def expand_channels(channels: tuple[str, ...]) -> list[tuple[str, int | None]]:
    """Texture channel list -> one (source, channel index or None for a constant) per output channel."""
    out: list[tuple[str, int | None]] = []
    for item in channels:
        if _is_constant(item):
            out.append((item, None))
            continue
        source, _, suffix = item.partition(".")
        if source not in _WIDTHS:
            raise ValueError(f"Unknown texture source {item!r}; known sources: {', '.join(SOURCES)}.")
        width = _WIDTHS[source]
        if suffix:
            index = CHANNEL_SUFFIXES.get(suffix)
            if index is None or index >= width:
                raise ValueError(f"The source {source} has {width} channel(s); {item!r} does not exist.")
            out.append((source, index))
        else:
            out.extend((source, i) for i in range(width))
    if len(out) not in (1, 3, 4):
        raise ValueError(f"A texture needs 1, 3 or 4 channels, not {len(out)} ({', '.join(channels)}).")
    return out


def channel_label(source: str, index: int | None) -> str:
    """``("basecolor", 1)`` -> ``"basecolor.g"``; one-channel sources and constants stay bare."""
    if index is None or _WIDTHS.get(source, 1) == 1:
        return source
    return f"{source}.{'rgba'[index]}"


@dataclass
class SourceMaps:
    """Lazily derived maps of one material (see the module table).

    ``normal_convention`` picks what ``normal`` means; ``periodic`` chooses the tileable (FFT
    periodic) or mirror-padded height integration; ``ambient_occlusion`` False gives a white AO.
    """

    maps: dict[str, np.ndarray]
    normal_convention: str = "opengl"
    periodic: bool = False
    ambient_occlusion: bool = True
    ao_radius: int | None = None
    info: dict = field(default_factory=dict)
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.maps:
            raise ValueError("The material has no maps to export.")
        self.shape = next(iter(self.maps.values())).shape[:2]

    def has(self, name: str) -> bool:
        try:
            self.get(name)
        except MissingSource:
            return False
        return True

    def get(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = self._make(name).astype(np.float32)
        return self._cache[name]

    def channel(self, source: str, index: int | None) -> np.ndarray:
        if index is None:
            return np.full(self.shape, float(source), np.float32)
        return self.get(source)[:, :, index]

    def _need(self, *names: str) -> None:
        missing = [n for n in names if n not in self.maps]
        if missing:
            have = ", ".join(sorted(self.maps)) or "none"
            raise MissingSource(f"the {' and '.join(missing)} map is missing (the material has {have})")

    def _metal_rough(self) -> tuple[np.ndarray, np.ndarray]:
        if "diffuse" in self.maps and "specular" in self.maps:
            base, metallic = cv.specular_to_metallic(self.maps["diffuse"], self.maps["specular"])
        elif "albedo" in self.maps:
            base = np.clip(self.maps["albedo"], 0.0, 1.0)
            metallic = np.zeros(self.shape + (1,), np.float32)
        else:
            self._need("diffuse", "specular")
        self._cache["metallic"] = metallic.astype(np.float32)
        return base, metallic

    def _make(self, name: str) -> np.ndarray:
        if name == "basecolor":
            return self._metal_rough()[0]
        if name == "metallic":
            return self._metal_rough()[1]
        if name == "smoothness":
            return cv.roughness_to_smoothness(self.get("roughness"))
        if name in ("normal", "normal_gl", "normal_dx"):
            self._need("normals")
            n = self.maps["normals"]
            directx = name == "normal_dx" or (name == "normal" and self.normal_convention == "directx")
            if directx:
                n = cv.opengl_to_directx(n)
            return (np.clip(n, -1.0, 1.0) + 1.0) / 2.0
        if name == "height":
            return self._height()
        if name == "ao":
            if not self.ambient_occlusion:
                return np.ones(self.shape + (1,), np.float32)
            self._height()
            radius = self.ao_radius or max(2, round(max(self.shape) / 32))
            self.info["ao"] = {"method": "horizon", "radius_texels": radius, "directions": 8}
            return cv.ambient_occlusion(self._cache["_height_texels"], radius=radius, periodic=self.periodic)
        if name == "preview":
            return self._preview()
        self._need(name)
        if name in ("diffuse", "specular", "albedo", "roughness"):
            return np.clip(self.maps[name], 0.0, 1.0)
        return self.maps[name]

    def _height(self) -> np.ndarray:
        if "height" in self._cache:
            return self._cache["height"]
        self._need("normals")
        z = cv.height_from_normals(self.maps["normals"], periodic=self.periodic)
        self._cache["_height_texels"] = z
        lo, hi = float(z.min()), float(z.max())
        span = hi - lo
        self.info["height"] = {"range_texels": span, "periodic": self.periodic,
                               "meaning": "0..1 in the file spans range_texels texel widths"}
        return (z - lo) / span if span > 1e-12 else np.full_like(z, 0.5)

    def _preview(self) -> np.ndarray:
        if "albedo" in self.maps and "diffuseshading" in self.maps:
            image = self.maps["albedo"] * self.maps["diffuseshading"] + self.maps.get("residual", 0.0)
        elif "image" in self.maps:
            image = self.maps["image"]
        else:
            self._need("albedo", "diffuseshading")
        image = np.maximum(image, 0.0)
        return image / (1.0 + image)


def resize_maps(maps: dict[str, np.ndarray], size: tuple[int, int]) -> dict[str, np.ndarray]:
    """Resize every map to ``size`` = (width, height): area filter down, bicubic up; normals renormalised
    and bounded maps clipped back to their range."""
    import cv2

    width, height = size
    if width < 1 or height < 1:
        raise ValueError(f"The export resolution must be positive, got {width}x{height}.")
    out = {}
    for name, array in maps.items():
        h, w = array.shape[:2]
        if (w, h) == (width, height):
            out[name] = array
            continue
        shrink = width * height < w * h
        interpolation = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
        resized = cv2.resize(np.ascontiguousarray(array, dtype=np.float32), (width, height),
                             interpolation=interpolation)
        if resized.ndim == 2:
            resized = resized[:, :, None]
        if name in ("normals", "halfway"):
            length = np.linalg.norm(resized, axis=-1, keepdims=True)
            resized = resized / np.maximum(length, 1e-6)
        elif name in UNBOUNDED:
            resized = np.maximum(resized, 0.0) if name != "depth" else resized
        else:
            resized = np.clip(resized, 0.0, 1.0)
        out[name] = resized.astype(np.float32)
    return out


def target_size(shape: tuple[int, int], resolution: int | tuple[int, int] | str | None) -> tuple[int, int]:
    """(width, height) for a resolution: None keeps the size, N makes the longer side N (aspect kept),
    (W, H) or "WxH" is exact."""
    h, w = shape
    if resolution is None:
        return w, h
    if isinstance(resolution, str):
        text = resolution.lower().strip()
        try:
            if "x" in text:
                a, b = text.split("x")
                resolution = (int(a), int(b))
            else:
                resolution = int(text)
        except ValueError as error:
            raise ValueError(f"The resolution {text!r} is not N or WxH.") from error
    if isinstance(resolution, int):
        if resolution < 1:
            raise ValueError(f"The export resolution must be positive, got {resolution}.")
        scale = resolution / max(h, w)
        return max(1, round(w * scale)), max(1, round(h * scale))
    width, height = (int(v) for v in resolution)
    if width < 1 or height < 1:
        raise ValueError(f"The export resolution must be positive, got {width}x{height}.")
    return width, height
