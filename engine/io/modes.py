"""File modes for what we write through temporary names or libraries that create private files.

``tempfile.mkstemp`` and safetensors' ``save_file`` create files readable by their owner only (0600);
a user's exported textures and models should get what a plain ``open()`` gives: 0666 minus the umask.
"""

from __future__ import annotations

import os
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0o022)  # the umask can only be read by setting it
    os.umask(mask)
    return mask


UMASK = _read_umask()  # once, at import: reading it briefly changes it for every thread


def give_default_mode(path: str | os.PathLike) -> None:
    """Set ``path`` (a file, or every file below a folder) to 0666 minus the umask."""
    root = Path(path)
    files = [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else [root]
    for file in files:
        os.chmod(file, 0o666 & ~UMASK)
