"""The raw material layout: one file ``<component>.<ext>`` per map, as ``estimate`` writes it.

Encodings (MATERIALS.md, the MatFusion / Teamwork convention):

============================== ============================================= =================
component                      stored in PNG / TIFF                          EXR (exr16/exr32)
============================== ============================================= =================
diffuse, specular, albedo      x ** (1/2.2), RGB                             linear values
normals, halfway               (n + 1) / 2, RGB; renormalised when read      n itself
roughness, metallic            grey RGB, linear                              one channel (Y)
inverseshading                 RGB, linear                                   linear values
image, diffuseshading,         always EXR float (unbounded)                  linear values
residual, depth, height
============================== ============================================= =================

Maps are numpy (H,W,C) float32 in the engine conventions (docs/architecture/contracts.md). ``fmt`` is one
of ``png8``, ``png16`` (default), ``tif16``, ``exr16`` (half) or ``exr32`` (float).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.export.pixels import read_pixels
from engine.io.writers import write_image

log = logging.getLogger(__name__)

GAMMA = 2.2
RAW_FORMATS = {"png8": (".png", 8), "png16": (".png", 16), "tif16": (".tif", 16),
               "exr16": (".exr", 16), "exr32": (".exr", 32)}


@dataclass(frozen=True)
class Encoding:
    """How one component is stored: kind is gamma, vector, grey, linear or hdr; channels 1 or 3."""

    kind: str
    channels: int


COMPONENT_ENCODINGS: dict[str, Encoding] = {
    "diffuse": Encoding("gamma", 3),
    "specular": Encoding("gamma", 3),
    "albedo": Encoding("gamma", 3),
    "normals": Encoding("vector", 3),
    "halfway": Encoding("vector", 3),
    "roughness": Encoding("grey", 1),
    "metallic": Encoding("grey", 1),
    "inverseshading": Encoding("linear", 3),
    "image": Encoding("hdr", 3),
    "diffuseshading": Encoding("hdr", 3),
    "residual": Encoding("hdr", 3),
    "depth": Encoding("hdr", 1),
    "height": Encoding("hdr", 1),
}
_EXTENSIONS = (".png", ".tif", ".tiff", ".exr")


def check_map(name: str, array: np.ndarray) -> np.ndarray:
    """Validate one engine map (H,W,C) float and return it as float32; one clear sentence on error."""
    if name not in COMPONENT_ENCODINGS:
        known = ", ".join(sorted(COMPONENT_ENCODINGS))
        raise ValueError(f"Unknown map {name!r}; known maps: {known}.")
    a = np.asarray(array, dtype=np.float32)
    channels = COMPONENT_ENCODINGS[name].channels
    if a.ndim == 2 and channels == 1:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] != channels:
        raise ValueError(f"The {name} map must have shape (H,W,{channels}), got {np.shape(array)}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"The {name} map contains NaN or infinite values.")
    return a


def encode_map(name: str, array: np.ndarray) -> np.ndarray:
    """Engine map -> the [0,1] image stored in a PNG/TIFF (see the table above)."""
    a = check_map(name, array)
    kind = COMPONENT_ENCODINGS[name].kind
    if kind == "gamma":
        return np.power(np.clip(a, 0.0, 1.0), 1.0 / GAMMA)
    if kind == "vector":
        return (np.clip(a, -1.0, 1.0) + 1.0) / 2.0
    if kind == "grey":
        return np.repeat(np.clip(a, 0.0, 1.0), 3, axis=2)
    if kind == "linear":
        return np.clip(a, 0.0, 1.0)
    raise ValueError(f"The {name} map is unbounded and is stored as EXR, not as an integer image.")


def _normalise(n: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(n, axis=-1, keepdims=True)
    up = np.zeros_like(n)
    up[..., 2] = 1.0
    return np.where(length > 1e-6, n / np.maximum(length, 1e-6), up).astype(np.float32)


def decode_map(name: str, stored: np.ndarray, linear: bool) -> np.ndarray:
    """Stored pixels (H,W,C) -> engine map; ``linear`` is True for EXR (values stored as they are)."""
    encoding = COMPONENT_ENCODINGS[name]
    x = np.asarray(stored, dtype=np.float32)
    if encoding.channels == 1:
        x = x[:, :, :3].mean(axis=2, keepdims=True)
    else:
        if x.shape[2] == 1:
            x = np.repeat(x, 3, axis=2)
        x = x[:, :, :3]
    if encoding.kind == "vector":
        return _normalise(x if linear else x * 2.0 - 1.0)
    if encoding.kind == "gamma" and not linear:
        return np.power(np.clip(x, 0.0, 1.0), GAMMA).astype(np.float32)
    return x.astype(np.float32)


def write_raw(maps: dict[str, np.ndarray], folder: str | os.PathLike, fmt: str = "png16") -> list[Path]:
    """Write ``maps`` as ``<component>.<ext>`` files in ``folder`` (created) and return the paths."""
    if fmt not in RAW_FORMATS:
        raise ValueError(f"Unknown raw format {fmt!r}; use one of {', '.join(RAW_FORMATS)}.")
    if not maps:
        raise ValueError("There are no maps to write.")
    checked = {name: check_map(name, array) for name, array in maps.items()}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ext, bits = RAW_FORMATS[fmt]
    paths = []
    for name, array in checked.items():
        hdr = COMPONENT_ENCODINGS[name].kind == "hdr"
        for other in _EXTENSIONS:  # never leave a stale twin that read_raw would reject
            stale = folder / f"{name}{other}"
            if other != (".exr" if hdr else ext) and stale.exists():
                stale.unlink()
        if ext == ".exr":
            paths.append(write_image(folder / f"{name}.exr", array, bit_depth=bits))
        elif hdr:
            paths.append(write_image(folder / f"{name}.exr", array, bit_depth=32))
        else:
            paths.append(write_image(folder / f"{name}{ext}", encode_map(name, array), bit_depth=bits))
    log.info("wrote %d raw maps to %s (%s)", len(paths), folder, fmt)
    return paths


def find_raw_files(folder: str | os.PathLike) -> dict[str, Path]:
    """Component name -> file for every raw map in ``folder``; other files are ignored."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Cannot read the material {folder}: the folder does not exist.")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name, ext = path.stem, path.suffix.lower()
        if ext not in _EXTENSIONS or name not in COMPONENT_ENCODINGS or not path.is_file():
            continue
        if name in found:
            raise ValueError(
                f"The material {folder} has two files for {name}: {found[name].name} and {path.name}."
            )
        found[name] = path
    return found


def read_raw(folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a raw material folder back into engine maps (the inverse of :func:`write_raw`)."""
    files = find_raw_files(folder)
    if not files:
        raise ValueError(f"The folder {folder} holds no material maps (expected files like diffuse.png).")
    maps = {}
    for name, path in files.items():
        maps[name] = decode_map(name, read_pixels(path), linear=path.suffix.lower() == ".exr")
    shapes = {name: m.shape[:2] for name, m in maps.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"The maps in {folder} differ in size: {shapes}.")
    return maps
