"""Format decoders: Pillow (8-bit and metadata), OpenCV (16-bit, float TIFF, Radiance HDR), OpenEXR.

Each decoder returns a :class:`Decoded` (still stored orientation, values either display-encoded in
[0, 1] or linear as ``transfer`` says) or raises :class:`DecodeFailure` with the reason; the reader
turns that into an ImageReadError naming the file.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageCms

from engine.io import exif as ex

log = logging.getLogger(__name__)

_PIL_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "TIFF": "TIFF", "WEBP": "WEBP", "BMP": "BMP"}


class DecodeFailure(Exception):
    """Reason (a sentence fragment) why a file could not be decoded."""


@dataclass
class Decoded:
    rgb: np.ndarray  # HxWx3 float32
    alpha: np.ndarray | None
    bit_depth: int
    transfer: str  # "srgb", "linear" or "gamma:<png gAMA value>"
    colour_space: str
    orientation: int | None = None
    exif: dict[int, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def check_size(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise DecodeFailure(f"the header gives an impossible size of {width}x{height} pixels")
    if width * height > max_pixels:
        raise DecodeFailure(f"it is {width}x{height} pixels, more than the limit of {max_pixels:,} pixels")


# ----------------------------------------------------------------------------- Pillow
def _source_bit_depth(img: Image.Image, fmt: str, head: bytes) -> tuple[int, bool]:
    """(bits per sample, is float) of the file, looking past Pillow's 8-bit conversions."""
    if fmt == "PNG" and len(head) > 25:
        return int(head[24]), False
    if fmt == "TIFF":
        tags = getattr(img, "tag_v2", {})
        bits = tags.get(258, (8,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        sample_format = tags.get(339, (1,))
        sample_format = sample_format if isinstance(sample_format, tuple) else (sample_format,)
        return int(max(bits)), 3 in sample_format
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        return 16, False
    if img.mode == "F":
        return 32, True
    return 8, False


def _transfer_from_info(info: dict[str, Any]) -> tuple[str, str]:
    if "srgb" in info:
        return "srgb", "sRGB"
    gamma = info.get("gamma")
    if isinstance(gamma, int | float) and gamma > 0:
        if abs(gamma - 1.0) < 0.01:
            return "linear", "linear"
        if abs(gamma - 1 / 2.2) > 0.01:
            return f"gamma:{gamma:.5f}", f"gamma {1 / gamma:.2f}"
    return "srgb", "sRGB"


def _icc_description(icc: bytes) -> tuple[Any, str]:
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return profile, (ImageCms.getProfileDescription(profile) or "").strip()


def _to_srgb(img: Image.Image, notes: list[str]) -> tuple[Image.Image, str]:
    """Convert an 8-bit image with an embedded non-sRGB ICC profile (or CMYK) to sRGB."""
    icc = img.info.get("icc_profile")
    target_mode = "RGBA" if "A" in img.mode else "RGB"
    if icc:
        try:
            source, description = _icc_description(icc)
        except (OSError, ImageCms.PyCMSError, ValueError):
            notes.append("its embedded colour profile is unreadable; sRGB was assumed")
            source, description = None, ""
        if source is not None and "srgb" not in description.lower():
            try:
                srgb = ImageCms.createProfile("sRGB")
                mode = "RGB" if img.mode == "CMYK" else target_mode
                converted = ImageCms.profileToProfile(img, source, srgb, outputMode=mode)
                return converted, f"ICC profile '{description}' converted to sRGB"
            except (OSError, ImageCms.PyCMSError, ValueError) as error:
                notes.append(
                    f"its colour profile '{description}' could not be applied ({error}); sRGB was assumed"
                )
    if img.mode == "CMYK":
        notes.append("it is a CMYK image without a usable colour profile; converted to RGB approximately")
    return img, "sRGB"


def decode_pillow(path: Path, fmt: str, head: bytes, max_pixels: int) -> Decoded:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(path, formats=[_PIL_FORMATS[fmt]])
        except Image.DecompressionBombError:
            raise DecodeFailure(
                f"its header claims more than {max_pixels:,} pixels (a possible decompression bomb)"
            ) from None
        except Image.UnidentifiedImageError:
            raise DecodeFailure(f"its content is not a valid {fmt} image") from None
        with img:
            check_size(img.width, img.height, max_pixels)
            notes: list[str] = []
            try:
                tags = img.getexif()
                orientation = tags.get(ex.ORIENTATION)
                exif_ifd = dict(tags.get_ifd(ex.EXIF_IFD))
            except Exception:  # noqa: BLE001 - broken EXIF must not stop reading the pixels
                orientation, exif_ifd = None, {}
                notes.append("its EXIF data is damaged and was ignored")
            if getattr(img, "n_frames", 1) > 1:
                notes.append("it has several frames or pages; only the first was read")
            bits, is_float = _source_bit_depth(img, fmt, head)
            if bits > 8 or is_float:
                decoded = decode_cv2(path, fmt)
                if decoded.transfer != "linear":
                    decoded.transfer, decoded.colour_space = _transfer_from_info(img.info)
                    if img.info.get("icc_profile"):
                        notes.append("its ICC profile was not applied to 16-bit data; sRGB was assumed")
            else:
                img.load()
                decoded = _pillow_pixels(img, notes)
            decoded.orientation = orientation if isinstance(orientation, int) else None
            decoded.exif = exif_ifd
            decoded.warnings = notes + decoded.warnings
            return decoded


def _pillow_pixels(img: Image.Image, notes: list[str]) -> Decoded:
    transfer, colour_space = _transfer_from_info(img.info)
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if img.mode == "F":
        grey = np.asarray(img, dtype=np.float32)
        return Decoded(np.repeat(grey[..., None], 3, axis=2), None, 32, "linear", "linear")
    if img.mode in ("I", "I;16", "I;16B", "I;16L"):
        grey = np.asarray(img.convert("I"), dtype=np.float32) / 65535.0
        return Decoded(np.repeat(grey[..., None], 3, axis=2), None, 16, transfer, colour_space)
    if img.mode == "P" and has_alpha:
        img = img.convert("RGBA")
    elif img.mode not in ("RGB", "RGBA", "CMYK"):
        img = img.convert("RGBA" if has_alpha else "RGB")
    if img.info.get("icc_profile") or img.mode == "CMYK":
        img, icc_space = _to_srgb(img, notes)
        if icc_space != "sRGB":
            transfer, colour_space = "srgb", icc_space
        if img.mode == "CMYK":
            img = img.convert("RGB")
    array = np.asarray(img, dtype=np.float32) / 255.0
    alpha = array[..., 3].copy() if array.shape[-1] == 4 else None
    return Decoded(np.ascontiguousarray(array[..., :3]), alpha, 8, transfer, colour_space)


# ----------------------------------------------------------------------------- OpenCV
def _cv2() -> Any:
    import cv2

    return cv2


def _imdecode(path: Path, flags: int) -> np.ndarray:
    cv2 = _cv2()
    data = np.fromfile(path, dtype=np.uint8)
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # we report errors ourselves
    try:
        array = cv2.imdecode(data, flags)
    except cv2.error:
        raise DecodeFailure("the file is truncated or corrupt") from None
    finally:
        cv2.utils.logging.setLogLevel(level)
    if array is None:
        raise DecodeFailure("the file is truncated or corrupt")
    return array


def decode_cv2(path: Path, fmt: str) -> Decoded:
    cv2 = _cv2()
    array = _imdecode(path, cv2.IMREAD_UNCHANGED)
    if array.ndim == 2:
        array = array[..., None]
    channels = array.shape[2]
    if channels >= 3:
        order = [2, 1, 0] + ([3] if channels >= 4 else [])
        array = array[..., order]
    if array.dtype == np.uint16:
        scaled, bits, transfer = array.astype(np.float32) / 65535.0, 16, "srgb"
    elif array.dtype == np.uint8:
        scaled, bits, transfer = array.astype(np.float32) / 255.0, 8, "srgb"
    else:
        scaled, bits, transfer = array.astype(np.float32), 32, "linear"
    colour = scaled[..., :3] if scaled.shape[2] >= 3 else np.repeat(scaled[..., :1], 3, axis=2)
    alpha = None
    if scaled.shape[2] in (2, 4):
        alpha = np.clip(scaled[..., -1], 0.0, 1.0) if bits != 32 else scaled[..., -1]
    space = "linear" if transfer == "linear" else "sRGB"
    return Decoded(np.ascontiguousarray(colour), alpha, bits, transfer, space)


_HDR_SIZE = re.compile(rb"^([-+])([YX])\s+(\d+)\s+([-+])([YX])\s+(\d+)\s*$")


def decode_hdr(path: Path, max_pixels: int) -> Decoded:
    """Radiance RGBE: the header is parsed first so a bomb is refused before decoding."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    lines = head.split(b"\n")
    size = None
    for index, line in enumerate(lines):
        if line.strip() == b"" and index + 1 < len(lines):
            match = _HDR_SIZE.match(lines[index + 1].strip())
            if match:
                first, second = int(match.group(3)), int(match.group(6))
                height, width = (first, second) if match.group(2) == b"Y" else (second, first)
                size = (width, height)
            break
    if size is None:
        raise DecodeFailure("its Radiance header has no valid image size")
    check_size(size[0], size[1], max_pixels)
    notes = ["it is stored in XYZ, which was read as RGB"] if b"32-bit_rle_xyze" in head else []
    cv2 = _cv2()
    array = _imdecode(path, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    if array.ndim != 3 or array.shape[:2] != (size[1], size[0]):
        raise DecodeFailure("the file is truncated or corrupt")
    rgb = np.ascontiguousarray(array[..., 2::-1].astype(np.float32))
    return Decoded(rgb, None, 32, "linear", "linear", warnings=notes)


# ----------------------------------------------------------------------------- OpenEXR
def _exr_rgb_names(names: list[str]) -> tuple[list[str], str | None]:
    """Channel names for R, G, B (or Y) and A: the unprefixed layer, else the first layer having RGB."""
    layers: dict[str, set[str]] = {}
    for name in names:
        prefix, _, base = name.rpartition(".")
        layers.setdefault(prefix, set()).add(base)
    candidates = sorted(layers, key=lambda p: (p != "", p))
    for prefix in candidates:
        bases = layers[prefix]
        dot = f"{prefix}." if prefix else ""
        alpha = f"{dot}A" if "A" in bases else None
        if {"R", "G", "B"} <= bases:
            return [f"{dot}R", f"{dot}G", f"{dot}B"], alpha
        if "Y" in bases:
            return [f"{dot}Y"] * 3, alpha
    raise DecodeFailure(f"it has no RGB or Y channels (channels: {', '.join(sorted(names)[:8])})")


def decode_exr(path: Path, max_pixels: int) -> Decoded:
    import OpenEXR

    try:
        with OpenEXR.File(str(path), header_only=True) as handle:
            header = handle.header()  # a live view: read what we need before the file closes
            (x0, y0), (x1, y1) = (tuple(int(v) for v in corner) for corner in header["dataWindow"])
            has_chromaticities = "chromaticities" in header
        check_size(x1 - x0 + 1, y1 - y0 + 1, max_pixels)
        with OpenEXR.File(str(path), separate_channels=True) as handle:
            channels = handle.channels()
            names, alpha_name = _exr_rgb_names(list(channels))
            planes = [np.asarray(channels[n].pixels) for n in names]
            alpha = np.asarray(channels[alpha_name].pixels, dtype=np.float32) if alpha_name else None
    except DecodeFailure:
        raise
    except Exception as error:  # noqa: BLE001 - OpenEXR raises plain RuntimeError/exceptions
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DecodeFailure(f"the EXR data is truncated or corrupt ({text})") from None
    bits = 16 if planes[0].dtype == np.float16 else 32
    rgb = np.stack([plane.astype(np.float32) for plane in planes], axis=-1)
    notes = []
    if has_chromaticities:
        notes.append("its chromaticities were ignored; Rec.709/sRGB primaries were assumed")
    return Decoded(rgb, alpha, bits, "linear", "linear", warnings=notes)
