"""Identify an image format from its first bytes (never trust the extension)."""

from __future__ import annotations

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "PNG": (".png",),
    "TIFF": (".tif", ".tiff"),
    "EXR": (".exr",),
    "HDR": (".hdr", ".rgbe", ".pic"),
    "WEBP": (".webp",),
    "BMP": (".bmp", ".dib"),
}
IMAGE_EXTENSIONS = frozenset(ext for exts in EXTENSIONS.values() for ext in exts)
HEAD_BYTES = 64


def sniff(head: bytes) -> str | None:
    """The format name (a key of EXTENSIONS) for the file's first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head.startswith(b"\x76\x2f\x31\x01"):
        return "EXR"
    if head.startswith((b"#?RADIANCE", b"#?RGBE")):
        return "HDR"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM" and len(head) >= 26:
        return "BMP"
    return None


def format_for_extension(suffix: str) -> str | None:
    suffix = suffix.lower()
    for name, exts in EXTENSIONS.items():
        if suffix in exts:
            return name
    return None
