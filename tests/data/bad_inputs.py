"""A corpus of awkward and broken image files, generated at test time (nothing binary is committed).

``make_corpus(folder)`` writes every case and returns them; each case either reads (``ok``, with an
optional warning fragment) or fails with an ImageReadError containing ``needle``.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import OpenEXR
from PIL import Image


@dataclass
class Case:
    kind: str
    path: Path
    ok: bool
    needle: str = ""  # error fragment (ok=False) or warning fragment (ok=True)


def _rgb(h: int = 12, w: int = 16, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def _jpeg_bytes(h: int = 32, w: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(_rgb(h, w)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _png_bytes(h: int = 32, w: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(_rgb(h, w)).save(buffer, "PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_with_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` but carries one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + _chunk(b"IEND", b"")
    )


def write_exr(path: Path, channels: dict[str, np.ndarray]) -> None:
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, channels).write(str(path))


def make_corpus(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(kind: str, name: str, ok: bool, needle: str = "", data: bytes | None = None) -> Path:
        path = folder / name
        if data is not None:
            path.write_bytes(data)
        cases.append(Case(kind, path, ok, needle))
        return path

    jpeg, png = _jpeg_bytes(), _png_bytes()
    add("0-byte file", "empty.png", False, "empty", b"")
    add("truncated JPEG", "truncated.jpg", False, "truncated", jpeg[: len(jpeg) // 2])
    add("truncated PNG", "truncated.png", False, "", png[: len(png) // 2])
    add("JPEG with a .png extension", "really_a_jpeg.png", True, "contains JPEG", jpeg)
    add("text file named .png", "notes.png", False, "not a PNG image", b"this is not an image\n" * 4)
    add("huge dimensions in the header", "bomb.png", False, "pixels", png_with_header(200_000, 200_000))
    add("zero dimensions in the header", "zero.png", False, "", png_with_header(0, 0))
    add("random bytes named .jpg", "noise.jpg", False, "not a JPEG image", os.urandom(512))
    add("GIF (unsupported format)", "anim.gif", False, "supported format", b"GIF89a" + b"\0" * 40)
    add("BMP header only", "cut.bmp", False, "", b"BM" + b"\0" * 30)
    add("truncated WebP", "cut.webp", False, "", b"RIFF\x40\0\0\0WEBPVP8 " + b"\0" * 8)
    add(
        "Radiance header claiming a huge size",
        "bomb.hdr",
        False,
        "limit",
        b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 100000 +X 100000\n",
    )
    add(
        "Radiance file without a size line",
        "nosize.hdr",
        False,
        "size",
        b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n",
    )
    add("missing file", "missing.png", False, "does not exist")
    (folder / "folder.png").mkdir(exist_ok=True)
    add("directory instead of a file", "folder.png", False, "folder")
    loop = folder / "loop.png"
    if not loop.is_symlink():
        os.symlink(loop.name, loop)
    add("symlink loop", "loop.png", False, "cannot be accessed")
    if hasattr(os, "mkfifo"):
        fifo = folder / "pipe.png"
        if not fifo.exists():
            os.mkfifo(fifo)
        add("named pipe", "pipe.png", False, "not a regular file")

    cv2.imwrite(
        str(add("16-bit RGB PNG", "deep16.png", True)), (np.random.rand(9, 11, 3) * 65535).astype(np.uint16)
    )
    cv2.imwrite(
        str(add("16-bit grey TIFF", "grey16.tif", True)), (np.random.rand(9, 11) * 65535).astype(np.uint16)
    )
    palette = Image.fromarray(_rgb(8, 8)).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    palette.info["transparency"] = 0
    palette.save(add("palette PNG with transparency", "palette_alpha.png", True), transparency=0)
    Image.fromarray(_rgb(10, 10), "RGB").convert("CMYK").save(
        add("CMYK JPEG", "cmyk.jpg", True, "CMYK"), "JPEG"
    )
    Image.fromarray(_rgb(1, 1)).save(add("1x1 image", "one_pixel.png", True))
    Image.fromarray(_rgb(6, 6)).save(add("non-ASCII path", "фото_ß_写真.png", True))
    nan = np.ones((6, 7, 3), np.float32)
    nan[0, 0, 0], nan[1, 1, 1], nan[2, 2, 2] = np.nan, np.inf, -np.inf
    write_exr(add("NaN/Inf EXR", "nan_inf.exr", True, "non-finite"), {"RGB": nan})
    write_exr(
        add("EXR without colour channels", "depth_only.exr", False, "no RGB"),
        {"Z": np.ones((4, 4), np.float32)},
    )
    good_exr = folder / "_good.exr"
    write_exr(good_exr, {"RGB": np.ones((64, 64, 3), np.float32)})
    data = good_exr.read_bytes()
    good_exr.unlink()
    add("truncated EXR", "truncated.exr", False, "", data[: len(data) // 2])
    # root reads anything: there the file reads fine (tests check the message with a patched open)
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    unreadable = add(
        "unreadable permissions", "locked.png", is_root, "" if is_root else "permission denied", png
    )
    unreadable.chmod(0)
    return cases
