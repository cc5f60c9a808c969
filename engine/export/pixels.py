"""Read back the pixels of a written texture exactly as stored (for read_raw, checks and tests).

PNG/TIFF integers become floats in [0,1] without any transfer function; EXR values are returned as
they are. The result is always (H,W,C) float32 in RGB(A) order, C in {1, 3, 4}.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def read_pixels(path: str | os.PathLike) -> np.ndarray:
    """The stored values of an image file as (H,W,C) float32; raises ValueError if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"Cannot read {path}: the file does not exist.")
    if path.suffix.lower() == ".exr":
        return _read_exr(path)
    import cv2

    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if data is None:
        raise ValueError(f"Cannot read {path}: not a readable PNG or TIFF image.")
    if data.ndim == 2:
        data = data[:, :, None]
    elif data.shape[2] == 3:
        data = data[:, :, ::-1]
    elif data.shape[2] == 4:
        data = data[:, :, [2, 1, 0, 3]]
    if np.issubdtype(data.dtype, np.integer):
        return (data.astype(np.float32) / float(np.iinfo(data.dtype).max)).copy()
    return data.astype(np.float32).copy()


def _read_exr(path: Path) -> np.ndarray:
    import OpenEXR

    try:
        channels = OpenEXR.File(str(path), separate_channels=True).channels()
    except Exception as error:  # the binding raises plain RuntimeErrors
        raise ValueError(f"Cannot read {path}: not a readable EXR image ({error}).") from error
    names = list(channels)
    for group in (("R", "G", "B", "A"), ("R", "G", "B"), ("Y",)):
        if all(name in channels for name in group):
            names = list(group)
            break
    planes = [np.asarray(channels[name].pixels, dtype=np.float32) for name in names]
    return np.stack(planes, axis=-1)
