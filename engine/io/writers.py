"""Image writers: PNG 8/16-bit, TIFF 8/16-bit, EXR half/float, always atomic.

``write_image(path, array, bit_depth, srgb)`` takes a float array (H,W), (H,W,1), (H,W,3) or (H,W,4)
in RGB(A) order. Integer formats expect values in [0,1] (clipped); ``srgb=True`` applies the sRGB
transfer function (IEC 61966-2-1) to the colour channels first, never to alpha. EXR stores the values
as they are (linear, unbounded); ``bit_depth`` 16 writes half floats, 32 writes 32-bit floats.

Each file is written to a hidden temporary file in the target folder and moved into place with
``os.replace``, so a reader never sees half a file and a failure leaves the old file untouched.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from engine.io.modes import give_default_mode

log = logging.getLogger(__name__)

FORMATS = {".png": (8, 16), ".tif": (8, 16, 32), ".tiff": (8, 16, 32), ".exr": (16, 32)}


class ImageWriteError(OSError):
    """An image could not be written; ``str(error)`` is one sentence for the user."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(code, message)

    def __str__(self) -> str:
        return str(self.strerror)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Linear [0,1] -> sRGB-encoded [0,1] (the piecewise IEC 61966-2-1 curve)."""
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1.0 / 2.4) - 0.055).astype(np.float32)


def srgb_decode(encoded: np.ndarray) -> np.ndarray:
    """sRGB-encoded [0,1] -> linear [0,1]; the inverse of :func:`srgb_encode`."""
    x = np.clip(encoded, 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, np.power((x + 0.055) / 1.055, 2.4)).astype(np.float32)


def _as_hwc(array: np.ndarray, path: Path) -> np.ndarray:
    a = np.asarray(array)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(
            f"Cannot write {path.name}: expected an image of shape (H,W), (H,W,1), (H,W,3) or (H,W,4), "
            f"got {tuple(np.shape(array))}."
        )
    if np.issubdtype(a.dtype, np.integer):
        a = a.astype(np.float32) / float(np.iinfo(a.dtype).max)
    elif a.dtype == np.bool_:
        a = a.astype(np.float32)
    a = a.astype(np.float32, copy=False)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"Cannot write {path.name}: the image contains NaN or infinite values.")
    return a


def _quantise(a: np.ndarray, bit_depth: int) -> np.ndarray:
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    scale = float(np.iinfo(dtype).max)
    return np.round(np.clip(a, 0.0, 1.0) * scale).astype(dtype)


def _write_cv2(tmp: str, a: np.ndarray, bit_depth: int, ext: str) -> None:
    import cv2

    if bit_depth == 32:  # float TIFF
        data = a
    else:
        data = _quantise(a, bit_depth)
    if data.shape[2] == 3:
        data = data[:, :, ::-1]
    elif data.shape[2] == 4:
        data = data[:, :, [2, 1, 0, 3]]
    else:
        data = data[:, :, 0]
    params: list[int] = []
    if ext == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 3]
    elif ext in (".tif", ".tiff"):
        params = [cv2.IMWRITE_TIFF_COMPRESSION, 5 if bit_depth != 32 else 1]  # 5 = LZW
    if not cv2.imwrite(tmp, np.ascontiguousarray(data), params):
        raise OSError(errno.EIO, "the image encoder refused the data")


def _write_exr(tmp: str, a: np.ndarray, bit_depth: int) -> None:
    import OpenEXR

    data = a.astype(np.float16 if bit_depth == 16 else np.float32)
    channels = a.shape[2]
    if channels == 1:
        pixels = {"Y": np.ascontiguousarray(data[:, :, 0])}
    else:
        pixels = {"RGB" if channels == 3 else "RGBA": np.ascontiguousarray(data)}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, pixels).write(tmp)


def _explain(error: OSError, path: Path) -> str:
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write {path}: permission denied (the folder is read-only)."
    if error.errno == errno.ENOSPC:
        return f"Cannot write {path}: the disk is full."
    if error.errno == errno.ENOENT:
        return f"Cannot write {path}: the folder {path.parent} does not exist."
    return f"Cannot write {path}: {error.strerror or error}."


def write_image(
    path: str | os.PathLike,
    array: np.ndarray,
    bit_depth: int = 8,
    srgb: bool = False,
    *,
    overwrite: bool = True,
) -> Path:
    """Write ``array`` to ``path`` atomically and return the path.

    The format follows the extension (.png, .tif/.tiff, .exr). PNG takes 8 or 16 bits, TIFF 8, 16 or
    32 (float), EXR 16 (half) or 32 (float). ``srgb`` encodes the colour channels with the sRGB curve
    (integer formats only; EXR is always linear). ``overwrite=False`` refuses to replace a file.
    Raises ValueError for bad arguments and :class:`ImageWriteError` when the file system refuses.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise ValueError(
            f"Cannot write {path.name}: unsupported extension '{ext}' (use .png, .tif, .tiff or .exr)."
        )
    if bit_depth not in FORMATS[ext]:
        raise ValueError(
            f"Cannot write {path.name}: {ext} supports bit depths {FORMATS[ext]}, not {bit_depth}."
        )
    a = _as_hwc(array, path)
    if srgb and ext == ".exr":
        raise ValueError(f"Cannot write {path.name}: EXR files are linear; pass srgb=False.")
    if srgb:
        a = a.copy()
        colour = min(a.shape[2], 3)
        a[:, :, :colour] = srgb_encode(a[:, :, :colour])
    if not overwrite and path.exists():
        raise ImageWriteError(errno.EEXIST, f"Cannot write {path}: the file exists (allow overwriting).")
    if not path.parent.is_dir():
        raise ImageWriteError(errno.ENOENT, f"Cannot write {path}: the folder {path.parent} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=ext, dir=path.parent)
    except OSError as error:
        raise ImageWriteError(error.errno, _explain(error, path)) from error
    os.close(fd)
    try:
        if ext == ".exr":
            _write_exr(tmp, a, bit_depth)
        else:
            _write_cv2(tmp, a, bit_depth, ext)
        give_default_mode(tmp)
        os.replace(tmp, path)
    except OSError as error:
        _remove_quietly(tmp)
        raise ImageWriteError(error.errno, _explain(error, path)) from error
    except BaseException:
        _remove_quietly(tmp)
        raise
    log.debug("wrote %s (%dx%dx%d, %d-bit)", path, a.shape[1], a.shape[0], a.shape[2], bit_depth)
    return path


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
