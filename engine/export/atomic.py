"""All-or-nothing folder writes: stage files in a hidden folder beside the target, then move them in.

``with staged_folder(target, names, overwrite) as stage: ...write into stage...`` — on success the
files move into ``target`` (a new target is one ``rename`` of the whole folder; into an existing
folder each file is renamed, and replaced files are restored if a move fails); on any exception the
stage is deleted and the target is left as it was.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


class ExportError(OSError):
    """An export could not be written; ``str(error)`` is one sentence for the user."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(code, message)

    def __str__(self) -> str:
        return str(self.strerror)


def explain(error: OSError, target: Path) -> str:
    """One sentence for a file-system error while exporting to ``target``."""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot export to {target}: permission denied (the folder is read-only)."
    if error.errno == errno.ENOSPC:
        return f"Cannot export to {target}: the disk is full."
    if isinstance(error, ExportError):
        return str(error)
    return f"Cannot export to {target}: {error.strerror or error}."


def check_clashes(target: Path, names: list[str], overwrite: bool) -> None:
    """Raise ExportError if ``target`` is a file, or holds one of ``names`` and ``overwrite`` is False."""
    if target.exists() and not target.is_dir():
        raise ExportError(f"Cannot export to {target}: it is a file, not a folder.", errno.ENOTDIR)
    if overwrite or not target.is_dir():
        return
    clashes = sorted(n for n in names if (target / n).exists())
    if clashes:
        shown = ", ".join(clashes[:3]) + (" ..." if len(clashes) > 3 else "")
        raise ExportError(
            f"Cannot export to {target}: {shown} already exist(s); choose another folder or name, "
            "or allow overwriting.",
            errno.EEXIST,
        )


def _make_stage(target: Path) -> Path:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.export-", dir=parent))
    except OSError as error:
        raise ExportError(explain(error, target), error.errno) from error


def _move_into(stage: Path, target: Path) -> None:
    names = sorted(p.name for p in stage.iterdir())
    backup = stage / ".replaced"
    moved: list[str] = []
    replaced: list[str] = []
    try:
        for name in names:
            if (target / name).exists():
                backup.mkdir(exist_ok=True)
                os.replace(target / name, backup / name)
                replaced.append(name)
            os.replace(stage / name, target / name)
            moved.append(name)
    except OSError:
        for name in moved:  # roll back: the target ends as it began
            _unlink_quietly(target / name)
        for name in replaced:
            try:
                os.replace(backup / name, target / name)
            except OSError:
                log.exception("could not restore %s after a failed export", target / name)
        raise


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


@contextmanager
def staged_folder(target: str | os.PathLike, names: list[str], overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging folder; commit its files into ``target`` on success, discard them on failure."""
    target = Path(target)
    check_clashes(target, names, overwrite)
    stage = _make_stage(target)
    try:
        yield stage
        if not target.exists():
            try:
                os.rename(stage, target)
                return
            except OSError:  # e.g. created meanwhile: fall back to moving file by file
                target.mkdir(parents=True, exist_ok=True)
        check_clashes(target, [p.name for p in stage.iterdir()], overwrite)
        _move_into(stage, target)
    except OSError as error:
        raise ExportError(explain(error, target), error.errno) from error
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
