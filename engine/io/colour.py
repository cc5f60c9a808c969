"""Transfer functions and clean-up of decoded pixel values."""

from __future__ import annotations

import numpy as np


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    """The sRGB EOTF (IEC 61966-2-1) on values in [0, 1]; float32 out."""
    v = np.asarray(values, dtype=np.float32)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def gamma_to_linear(values: np.ndarray, file_gamma: float) -> np.ndarray:
    """Decode a pure power-law encoding; ``file_gamma`` is PNG's gAMA value (0.45455 for gamma 2.2)."""
    v = np.clip(np.asarray(values, dtype=np.float32), 0.0, None)
    return (v ** np.float32(1.0 / file_gamma)).astype(np.float32)


def sanitise(pixels: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Replace NaN/±Inf and negative values (float images) and say what was changed."""
    warnings: list[str] = []
    finite = np.isfinite(pixels)
    if not finite.all():
        bad = int((~finite).sum())
        largest = float(pixels[finite].max()) if finite.any() else 0.0
        pixels = np.nan_to_num(pixels, nan=0.0, posinf=max(largest, 0.0), neginf=0.0)
        warnings.append(f"{bad} non-finite values (NaN or infinity) were replaced")
    if (pixels < 0).any():
        negative = int((pixels < 0).sum())
        pixels = np.clip(pixels, 0.0, None)
        warnings.append(f"{negative} negative values were clamped to 0")
    return pixels.astype(np.float32, copy=False), warnings
