"""Qt-free image helpers for the app: reading photos and turning linear pixels into display bytes.

Reading goes through ``engine.io.read_image`` (EXIF orientation, 16-bit, EXR, limits). Display
conversion is the sRGB transfer curve on clipped linear values; thumbnails are area-downscaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".exr", ".hdr", ".webp", ".bmp")
MAX_PIXELS = 64_000_000


class PhotoReadError(Exception):
    """A photo could not be read; the message is one sentence meant for the user."""


@dataclass
class LoadedPhoto:
    pixels: np.ndarray  # (H, W, 3) float32 linear RGB
    fov_degrees: float | None


def read_photo(path: str | Path) -> LoadedPhoto:
    """Read a photo as linear RGB float32; raise ``PhotoReadError`` with one clear sentence."""
    path = Path(path)
    try:
        from engine.io import ImageReadError, read_image
    except ImportError:  # pragma: no cover - only while engine.io is being written
        return _fallback_read(path)
    try:
        data = read_image(path, max_pixels=MAX_PIXELS)
    except ImageReadError as error:
        raise PhotoReadError(str(error)) from error
    except OSError as error:
        raise PhotoReadError(f"Cannot open {path.name}: {error.strerror or error}.") from error
    pixels = np.ascontiguousarray(data.pixels[..., :3], dtype=np.float32)
    return LoadedPhoto(pixels=pixels, fov_degrees=data.fov_degrees)


def _fallback_read(path: Path) -> LoadedPhoto:
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise PhotoReadError(f"{path.name} is not an image this app can read.")
    if raw.ndim == 2:
        raw = np.repeat(raw[..., None], 3, axis=2)
    rgb = cv2.cvtColor(raw[..., :3], cv2.COLOR_BGR2RGB)
    scale = float(np.iinfo(rgb.dtype).max) if rgb.dtype.kind in "ui" else 1.0
    return LoadedPhoto(pixels=srgb_to_linear(rgb.astype(np.float32) / scale), fov_degrees=None)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


def to_display(linear: np.ndarray) -> np.ndarray:
    """Linear RGB float -> (H, W, 3) uint8 sRGB, contiguous (ready for a QImage)."""
    rgb = linear if linear.ndim == 3 else linear[..., None]
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    return np.ascontiguousarray((linear_to_srgb(rgb[..., :3]) * 255.0 + 0.5).astype(np.uint8))


def thumbnail(linear: np.ndarray, size: int = 96) -> np.ndarray:
    """A display-ready uint8 thumbnail whose longer side is ``size`` pixels."""
    h, w = linear.shape[:2]
    scale = size / max(h, w)
    if scale < 1.0:
        new = (max(1, round(w * scale)), max(1, round(h * scale)))
        linear = cv2.resize(linear, new, interpolation=cv2.INTER_AREA)
    return to_display(linear)


def list_photos(folder: str | Path) -> list[Path]:
    """The photos directly inside ``folder``, sorted by name (hidden files skipped)."""
    folder = Path(folder)
    return sorted(
        p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith(".")
    )
