"""The one error type of image reading: one sentence naming the file and the reason."""

from __future__ import annotations

from pathlib import Path


class ImageReadError(ValueError):
    """An image file could not be read; ``str(error)`` is one sentence for the user."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason.rstrip(".")
        super().__init__(f"cannot read {path}: {self.reason}.")
