"""EXIF orientation and the field of view from focal length tags."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
FOCAL_LENGTH = 0x920A
FOCAL_LENGTH_35MM = 0xA405
FOCAL_PLANE_X_RES = 0xA20E
FOCAL_PLANE_Y_RES = 0xA20F
FOCAL_PLANE_UNIT = 0xA210
EXIF_WIDTH = 0xA002
EXIF_HEIGHT = 0xA003

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)  # the 35 mm equivalent is defined on the diagonal
_UNIT_MM = {1: 25.4, 2: 25.4, 3: 10.0, 4: 1.0, 5: 0.001}


def apply_orientation(array: np.ndarray, orientation: int | None) -> np.ndarray:
    """Turn an HxW[xC] array stored with EXIF ``orientation`` (1-8) upright."""
    if orientation in (None, 1) or not isinstance(orientation, int) or not 1 <= orientation <= 8:
        return array
    swap = (1, 0) + tuple(range(2, array.ndim))
    if orientation == 2:
        out = array[:, ::-1]
    elif orientation == 3:
        out = array[::-1, ::-1]
    elif orientation == 4:
        out = array[::-1]
    elif orientation == 5:
        out = array.transpose(swap)
    elif orientation == 6:
        out = array.transpose(swap)[:, ::-1]
    elif orientation == 7:
        out = array.transpose(swap)[::-1, ::-1]
    else:  # 8
        out = array.transpose(swap)[::-1]
    return np.ascontiguousarray(out)


def swaps_axes(orientation: int | None) -> bool:
    return orientation in (5, 6, 7, 8)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _plausible(fov: float) -> float | None:
    return round(fov, 3) if 1.0 <= fov <= 179.0 else None


def fov_from_exif(
    tags: Mapping[int, Any], width: int, height: int, orientation: int | None = None
) -> float | None:
    """Horizontal field of view in degrees across the upright image width, or None if unknown.

    ``tags`` holds the Exif IFD (focal length tags); ``width``/``height`` are the stored (not yet
    oriented) pixel dimensions. Prefers FocalLengthIn35mmFilm (defined on the 43.27 mm full-frame
    diagonal, so it works for any aspect ratio), else FocalLength with the focal-plane resolution.
    """
    if width <= 0 or height <= 0:
        return None
    upright_w, upright_h = (height, width) if swaps_axes(orientation) else (width, height)
    f35 = _number(tags.get(FOCAL_LENGTH_35MM))
    if f35:
        half_diagonal = math.atan(FULL_FRAME_DIAGONAL_MM / (2.0 * f35))
        tan_half_w = math.tan(half_diagonal) * upright_w / math.hypot(upright_w, upright_h)
        return _plausible(math.degrees(2.0 * math.atan(tan_half_w)))
    focal = _number(tags.get(FOCAL_LENGTH))
    unit_mm = _UNIT_MM.get(int(_number(tags.get(FOCAL_PLANE_UNIT)) or 2))
    x_res = _number(tags.get(FOCAL_PLANE_X_RES))
    y_res = _number(tags.get(FOCAL_PLANE_Y_RES)) or x_res
    if not (focal and unit_mm and x_res and y_res):
        return None
    # The focal-plane resolution refers to the sensor's pixel grid (the EXIF size when present).
    sensor_px_w = _number(tags.get(EXIF_WIDTH)) or width
    sensor_px_h = _number(tags.get(EXIF_HEIGHT)) or height
    sensor_w_mm = sensor_px_w / x_res * unit_mm
    sensor_h_mm = sensor_px_h / y_res * unit_mm
    across = sensor_h_mm if swaps_axes(orientation) else sensor_w_mm
    return _plausible(math.degrees(2.0 * math.atan(across / (2.0 * focal))))
