"""Image input (``read_image``, robust to bad files) and output (``write_image``, engine.io.writers)."""

from __future__ import annotations

from engine.io.errors import ImageReadError
from engine.io.image import ImageData
from engine.io.reader import DEFAULT_MAX_PIXELS, read_image
from engine.io.sniff import IMAGE_EXTENSIONS
from engine.io.writers import write_image

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "ImageData",
    "ImageReadError",
    "read_image",
    "write_image",
]
