"""``read_image``: any supported photo file -> linear RGB ImageData, or one clear ImageReadError."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import numpy as np

from engine.io import colour
from engine.io import exif as ex
from engine.io.decoders import Decoded, DecodeFailure, decode_exr, decode_hdr, decode_pillow
from engine.io.errors import ImageReadError
from engine.io.image import ImageData
from engine.io.sniff import HEAD_BYTES, format_for_extension, sniff

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 16384 * 8192  # 134 M pixels: a 16K x 8K photo (1.6 GB as float32 RGB)


def _open_head(path: Path) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImageReadError(path, "the file does not exist") from None
    except PermissionError:
        raise ImageReadError(path, "permission denied") from None
    except OSError as error:
        raise ImageReadError(path, f"the file cannot be accessed ({error.strerror or error})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImageReadError(path, "it is a folder, not an image file")
    if not stat.S_ISREG(info.st_mode):
        raise ImageReadError(path, "it is not a regular file")
    if info.st_size == 0:
        raise ImageReadError(path, "the file is empty (0 bytes)")
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    except PermissionError:
        raise ImageReadError(path, "permission denied") from None
    except OSError as error:
        raise ImageReadError(path, f"the file cannot be read ({error.strerror or error})") from None


def _decode(path: Path, fmt: str, head: bytes, max_pixels: int) -> Decoded:
    if fmt == "EXR":
        return decode_exr(path, max_pixels)
    if fmt == "HDR":
        return decode_hdr(path, max_pixels)
    try:
        return decode_pillow(path, fmt, head, max_pixels)
    except DecodeFailure:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError) as error:
        text = str(error).lower()
        if "truncated" in text or isinstance(error, EOFError):
            raise DecodeFailure("the file is truncated") from None
        log.debug("Pillow could not decode %s", path, exc_info=True)
        raise DecodeFailure(f"the {fmt} data is corrupt ({error})") from None


def _linearise(decoded: Decoded) -> np.ndarray:
    if decoded.transfer == "srgb":
        return colour.srgb_to_linear(np.clip(decoded.rgb, 0.0, 1.0))
    if decoded.transfer.startswith("gamma:"):
        return colour.gamma_to_linear(decoded.rgb, float(decoded.transfer.split(":", 1)[1]))
    return decoded.rgb.astype(np.float32, copy=False)


def read_image(path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageData:
    """Read a photo as linear RGB.

    Supports JPEG, PNG (8/16-bit, palette, grey, alpha), TIFF (8/16-bit, float), OpenEXR, Radiance
    HDR, WebP and BMP. The format is taken from the file's content (a mislabelled extension only
    adds a warning). EXIF orientation is applied; the field of view comes from EXIF focal length
    tags when present; 8/16-bit data is decoded as sRGB unless the file says otherwise (ICC profile,
    PNG gAMA/sRGB chunks); float data is linear, with NaN/Inf/negative values replaced (warning).
    Any problem raises :class:`ImageReadError` whose message is one sentence naming the file.
    """
    path = Path(path)
    head = _open_head(path)
    fmt = sniff(head)
    notes: list[str] = []
    expected = format_for_extension(path.suffix)
    if fmt is None:
        if expected:
            raise ImageReadError(
                path, f"its content is not a {expected} image (or any supported image format)"
            )
        raise ImageReadError(
            path, "it is not an image in a supported format (JPEG, PNG, TIFF, EXR, HDR, WebP, BMP)"
        )
    if expected and expected != fmt:
        notes.append(f"the file is named {path.suffix} but contains {fmt} data")
    try:
        decoded = _decode(path, fmt, head, max_pixels)
    except DecodeFailure as failure:
        raise ImageReadError(path, str(failure)) from None
    except MemoryError:
        raise ImageReadError(path, "there is not enough memory to decode it") from None
    except PermissionError:
        raise ImageReadError(path, "permission denied") from None
    except Exception as error:  # noqa: BLE001 - never crash on a hostile file: explain instead
        log.debug("unexpected failure decoding %s", path, exc_info=True)
        raise ImageReadError(path, f"the file is corrupt ({type(error).__name__}: {error})") from None

    height, width = decoded.rgb.shape[:2]
    pixels = _linearise(decoded)
    sanitise_notes: list[str] = []
    if decoded.transfer == "linear":
        pixels, sanitise_notes = colour.sanitise(pixels)
    alpha = decoded.alpha
    if alpha is not None:
        alpha = np.clip(np.nan_to_num(alpha.astype(np.float32), nan=1.0), 0.0, 1.0)
    pixels = ex.apply_orientation(pixels, decoded.orientation)
    if alpha is not None:
        alpha = ex.apply_orientation(alpha, decoded.orientation)
    fov = ex.fov_from_exif(decoded.exif, width, height, decoded.orientation) if decoded.exif else None
    warnings = notes + decoded.warnings + sanitise_notes
    for warning in warnings:
        log.warning("%s: %s", path, warning)
    return ImageData(
        pixels=np.ascontiguousarray(pixels, dtype=np.float32),
        alpha=alpha,
        fov_degrees=fov,
        bit_depth=decoded.bit_depth,
        path=path,
        format=fmt,
        colour_space=decoded.colour_space,
        warnings=warnings,
    )
