"""What the export dialog and the batch queue write (Qt-free): dialog choices -> ``engine.export``.

The naming template names the material (its folder and the preset's file prefix) with the tokens
``{photo}`` (file name without extension), ``{task}``, ``{preset}`` and ``{date}`` (YYYY-MM-DD).

``ExportJob`` runs one export on a background thread with progress and cancel callbacks, so the
GUI never waits on the disk (``app.qt_export_progress`` marshals its callbacks to the GUI thread).
"""

from __future__ import annotations

import datetime
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

log = logging.getLogger(__name__)

PRESETS = {
    "gltf": "glTF 2.0 (metal/rough, OpenGL normals)",
    "unreal": "Unreal Engine (DirectX normals, packed ORM)",
    "unity-hdrp": "Unity HDRP (mask map, OpenGL normals)",
    "unity-urp": "Unity URP (metallic/smoothness)",
    "blender": "Blender (Principled BSDF)",
    "substance": "Substance naming",
    "raw": "Raw maps (engine conventions)",
}
FILE_TYPES = {"png": "PNG", "tif": "TIFF", "exr": "OpenEXR"}
BIT_DEPTHS = {"png": (8, 16), "tif": (16,), "exr": (16, 32)}
RESOLUTIONS = (0, 512, 1024, 2048, 4096)
TOKENS = ("photo", "task", "preset", "date")


class ExportError(Exception):
    """Exporting failed; the message is one sentence for the user."""


class ExportCancelled(ExportError):
    """The user cancelled the export; nothing was written."""


@dataclass(frozen=True)
class ExportChoice:
    preset: str = "gltf"
    resolution: int = 0  # 0 = as estimated
    bit_depth: int = 16
    file_type: str = "png"
    naming: str = "{photo}_{preset}"
    folder: str = ""

    @property
    def fmt(self) -> str:
        """The engine's format name: png8, png16, tif16, exr16, exr32."""
        depths = BIT_DEPTHS.get(self.file_type)
        if depths is None:
            raise ExportError(f"Unknown file type {self.file_type!r}.")
        depth = self.bit_depth if self.bit_depth in depths else depths[-1]
        return f"{self.file_type}{depth}"

    def material_name(self, photo: str, task: str, today: datetime.date | None = None) -> str:
        today = today or datetime.date.today()
        try:
            name = self.naming.format(photo=Path(photo).stem, task=task, preset=self.preset,
                                      date=today.isoformat())
        except (KeyError, IndexError, ValueError) as error:
            raise ExportError(
                f"The naming template {self.naming!r} is invalid; use {', '.join('{'+t+'}' for t in TOKENS)}."
            ) from error
        name = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "_", name).strip(" .")
        if not name:
            raise ExportError("The naming template gives an empty name.")
        return name

    def target(self, photo: str, task: str) -> Path:
        if not self.folder:
            raise ExportError("Choose a target folder for the export.")
        return Path(self.folder) / self.material_name(photo, task)


def existing_files(target: Path) -> list[Path]:
    """Files an export to ``target`` would replace (shown in the overwrite confirmation)."""
    if not target.exists():
        return []
    return sorted(p for p in target.iterdir() if p.is_file())


def resize_maps(maps: dict[str, np.ndarray], longest: int) -> dict[str, np.ndarray]:
    """Maps whose longer side is at most ``longest`` (normals renormalised); 0 keeps them."""
    if not longest or max(max(a.shape[:2]) for a in maps.values()) <= longest:
        return maps
    out = {}
    for name, array in maps.items():
        h, w = array.shape[:2]
        scale = longest / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        resized = cv2.resize(np.ascontiguousarray(array, dtype=np.float32), size, interpolation=interp)
        if resized.ndim == 2:
            resized = resized[..., None]
        if name in ("normals", "normal"):
            resized /= np.maximum(np.linalg.norm(resized, axis=2, keepdims=True), 1e-6)
        out[name] = resized
    return out


def preset_choices() -> dict[str, str]:
    """Preset name -> label: the engine's presets (built-in and the user's own), known ones first."""
    try:
        from engine.export import list_presets

        presets = list_presets()
    except ImportError:  # pragma: no cover - engine always ships export
        return dict(PRESETS)
    choices = {key: label for key, label in PRESETS.items() if key in presets}
    for key, preset in presets.items():
        if key not in choices:
            description = (preset.description or "").split(".")[0]
            choices[key] = f"{key} ({description})" if description else key
    return choices


def export_maps(maps: dict[str, np.ndarray], choice: ExportChoice, photo: str, task: str,
                overwrite: bool = False, tileable: bool = False, fov_degrees: float = 45.0,
                progress: Callable[[int, int], None] | None = None, cancel: Any = None) -> Path:
    """Write one texture set with ``engine.export.export_material``; returns its folder.
    ``progress(step, total)`` follows the files written; ``cancel`` (an ``engine.progress.CancelToken``)
    stops between files and leaves nothing behind (``ExportCancelled``).
    Raises ``ExportError`` with one sentence."""
    target = choice.target(photo, task)
    if existing_files(target) and not overwrite:
        raise ExportError(f"{target} already holds files; confirm to overwrite them.")
    from engine.export import export_material
    from engine.progress import Cancelled

    try:
        if cancel is not None:
            cancel.raise_if_cancelled()
        report = export_material(
            maps, choice.preset, target, name=target.name, fmt=choice.fmt,
            resolution=choice.resolution or None, overwrite=True, tileable=tileable,
            fov_degrees=fov_degrees, progress=progress, cancel=cancel,
        )
    except Cancelled as error:
        log.info("export to %s cancelled; nothing was written", target)
        raise ExportCancelled("Export cancelled.") from error
    except (OSError, ValueError, KeyError) as error:  # engine.export.ExportError is an OSError
        log.exception("export to %s failed", target)
        text = str(error).strip() or type(error).__name__
        raise ExportError(text if text.endswith(".") else text + ".") from error
    for warning in getattr(report, "warnings", []) or []:
        log.warning("export: %s", warning)
    log.info("exported %s with the %s preset to %s", photo, choice.preset, target)
    return target


@dataclass
class ExportRequest:
    """One export to run: the maps (kept by reference; results are never changed in place) and
    the arguments of :func:`export_maps`. ``tag`` is the caller's (e.g. the photo id of a batch)."""

    maps: dict[str, np.ndarray]
    choice: ExportChoice
    photo: str
    task: str
    overwrite: bool = True
    tileable: bool = False
    fov_degrees: float = 45.0
    tag: Any = None

    @property
    def label(self) -> str:
        try:
            return self.choice.material_name(self.photo, self.task)
        except ExportError:
            return Path(self.photo).stem


ExportFunction = Callable[..., Path]


@dataclass
class ExportJob:
    """Runs one :class:`ExportRequest` on a daemon thread (Qt-free).

    Exactly one of ``on_finished(target)``, ``on_failed(message)`` or ``on_cancelled()`` is called
    at the end, on the job's thread; ``on_progress(step, total)`` after every file. ``export``
    is the function doing the work (``export_maps``; tests inject slow fakes with its signature)."""

    request: ExportRequest
    on_progress: Callable[[int, int], None] | None = None
    on_finished: Callable[[Path], None] | None = None
    on_failed: Callable[[str], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    export: ExportFunction | None = None
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _token: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from engine.progress import CancelToken

        self._token = CancelToken()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("an export job runs once")
        self._thread = threading.Thread(target=self._run, name="export", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the export to stop before its next file (safe from any thread)."""
        self._token.cancel()

    @property
    def cancelled(self) -> bool:
        return self._token.cancelled

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has ended (or never started)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _run(self) -> None:
        r = self.request
        export = self.export or export_maps
        try:
            target = export(r.maps, r.choice, r.photo, r.task, overwrite=r.overwrite, tileable=r.tileable,
                            fov_degrees=r.fov_degrees, progress=self.on_progress, cancel=self._token)
        except ExportCancelled:
            _call(self.on_cancelled)
        except ExportError as error:
            _call(self.on_failed, str(error))
        except Exception as error:  # a bug must reach the user as an error box, not a dead thread
            log.exception("export of %s failed unexpectedly", r.photo)
            text = str(error).strip() or type(error).__name__
            _call(self.on_failed, text if text.endswith(".") else text + ".")
        else:
            _call(self.on_finished, target)


def _call(callback: Callable | None, *args) -> None:
    if callback is not None:
        callback(*args)
