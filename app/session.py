"""The Qt-free model of the app: photos, their edits, task options, jobs, results and undo.

Widgets only call methods here and subscribe to events with plain callbacks
(``session.subscribe("photo_changed", fn)``); nothing here imports Qt, so the whole model is tested
without a QApplication. Events and their arguments:

- ``photos_changed()``            the list of photos changed (add, remove, reorder, load)
- ``current_changed(photo_id)``   another photo is selected (``None`` when the list is empty)
- ``photo_changed(photo_id)``     a photo's edit, field of view, status or result changed
- ``options_changed()``           the task options changed
- ``undo_changed()``              the undo stack changed (texts, availability, clean state)
- ``project_changed()``           the project path or its saved/unsaved state changed
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from app.events import Events
from app.images import PhotoReadError, read_photo
from app.rectify import Rectification, rectify
from app.undo import Command, UndoStack

log = logging.getLogger(__name__)

STATUSES = ("ready", "queued", "running", "done", "failed", "cancelled")
TASKS = ("svbrdf", "intrinsic")
DEVICES = ("auto", "cuda", "cpu")
DEFAULT_FOV = 45.0


@dataclass(frozen=True)
class TaskOptions:
    """What the worker is asked to do; mirrors ``engine.pipelines.estimate.EstimateOptions``."""

    task: str = "svbrdf"
    model: str = "embedded"  # "embedded" or the path of a Teamwork .safetensors checkpoint
    base: str = ""  # local diffusers base-model folder for a checkpoint
    steps: int = 10
    seed: int = 0
    samples: int = 2
    tileable: bool = False
    max_size: int = 1024
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")
        if self.device not in DEVICES:
            raise ValueError(f"unknown device {self.device!r}; choose one of {', '.join(DEVICES)}")
        if not (1 <= self.steps <= 1000 and 1 <= self.samples <= 16 and 16 <= self.max_size <= 8192):
            raise ValueError("steps must be 1-1000, samples 1-16 and the working size 16-8192 pixels")

    def for_photo(self, photo: Photo) -> dict:
        """The keyword arguments of ``EstimateOptions`` for one photo."""
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values["base"] = values["base"] or None
        values["fov_degrees"] = photo.fov_degrees
        return values


@dataclass
class Result:
    maps: dict[str, np.ndarray]  # name -> (H, W, C) float32, engine conventions
    task: str
    model: str = ""
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    photo: np.ndarray | None = None  # the photo repaired with the maps (maps' size); None: not edited
    tileable: bool = False  # made tileable after estimation (export integrates height periodically)
    edits: list[str] = field(default_factory=list)  # what was done to it, e.g. "Repair region (OpenCV Telea)"

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the maps."""
        return next(iter(self.maps.values())).shape[:2]

    def export_maps(self) -> dict[str, np.ndarray]:
        """The maps to export: the result's maps plus the repaired photo as ``image`` when there is one."""
        maps = dict(self.maps)
        if self.photo is not None:
            maps.setdefault("image", self.photo)
        return maps


@dataclass
class Photo:
    id: str
    path: Path
    pixels: np.ndarray  # (H, W, 3) float32 linear RGB as read
    fov_degrees: float = DEFAULT_FOV
    fov_from_exif: bool = False
    rectification: Rectification = field(default_factory=Rectification)
    status: str = "ready"
    message: str = ""  # the last error or warning, one sentence
    details: str = ""  # technical details for the error dialog's expander
    result: Result | None = None
    _prepared: tuple[Rectification, np.ndarray] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    def prepared(self) -> np.ndarray:
        """The pixels the engine gets: the rectified (cropped/warped) photo, cached per edit."""
        if self._prepared is None or self._prepared[0] != self.rectification:
            self._prepared = (self.rectification, rectify(self.pixels, self.rectification))
        return self._prepared[1]

    def result_photo(self) -> np.ndarray:
        """The photo shown beside the maps: the repaired one when the result was edited, else the
        rectified photo."""
        if self.result is not None and self.result.photo is not None:
            return self.result.photo
        return self.prepared()


class Session(Events):
    def __init__(self, reader: Callable = read_photo) -> None:
        self.photos: list[Photo] = []
        self.current_id: str | None = None
        self.options = TaskOptions()
        self.project_path: Path | None = None
        self._reader = reader
        self._ids = itertools.count(1)
        Events.__init__(self)
        self.undo_stack = UndoStack(on_change=self._undo_changed)

    def _undo_changed(self) -> None:
        self.emit("undo_changed")
        self.emit("project_changed")

    # -- photos ----------------------------------------------------------------------------------
    def photo(self, photo_id: str | None) -> Photo | None:
        return next((p for p in self.photos if p.id == photo_id), None)

    @property
    def current(self) -> Photo | None:
        return self.photo(self.current_id)

    def new_photo_id(self) -> str:
        while True:
            candidate = f"p{next(self._ids)}"
            if self.photo(candidate) is None:
                return candidate

    def load_photo(self, path: str | Path) -> Photo:
        """Read one file into a new (not yet added) photo; raises ``PhotoReadError``."""
        path = Path(path)
        loaded = self._reader(path)
        fov = loaded.fov_degrees
        return Photo(
            id=self.new_photo_id(), path=path.resolve(), pixels=loaded.pixels,
            fov_degrees=float(fov) if fov else DEFAULT_FOV, fov_from_exif=bool(fov),
        )

    def add_photos(self, paths: Iterable[str | Path]) -> tuple[list[Photo], list[str]]:
        """Read and add photos as one undoable step; returns (added, one error sentence per failure)."""
        added: list[Photo] = []
        errors: list[str] = []
        known = {p.path for p in self.photos}
        for path in paths:
            if Path(path).resolve() in known:
                continue
            known.add(Path(path).resolve())
            try:
                added.append(self.load_photo(path))
            except PhotoReadError as error:
                errors.append(str(error))
        if added:
            self.insert_photos(added, text=f"Add {len(added)} photo{'s' * (len(added) > 1)}")
        return added, errors

    def insert_photos(self, photos: list[Photo], text: str = "Add photos") -> None:
        previous = self.current_id

        def redo() -> None:
            self.photos.extend(photos)
            self.emit("photos_changed")
            self.select(photos[0].id)

        def undo() -> None:
            ids = {p.id for p in photos}
            self.photos = [p for p in self.photos if p.id not in ids]
            self.emit("photos_changed")
            self.select(previous if self.photo(previous) else None)

        self.undo_stack.push(Command(text, redo, undo))

    def remove_photos(self, photo_ids: Iterable[str]) -> None:
        ids = set(photo_ids)
        removed = [(i, p) for i, p in enumerate(self.photos) if p.id in ids]
        if not removed:
            return
        previous = self.current_id

        def redo() -> None:
            self.photos = [p for p in self.photos if p.id not in ids]
            self.emit("photos_changed")
            if self.current_id in ids:
                self.select(self.photos[0].id if self.photos else None)

        def undo() -> None:
            for index, photo in removed:
                self.photos.insert(index, photo)
            self.emit("photos_changed")
            self.select(previous)

        self.undo_stack.push(Command(f"Remove {len(removed)} photo{'s' * (len(removed) > 1)}", redo, undo))

    def select(self, photo_id: str | None) -> None:
        if photo_id != self.current_id:
            self.current_id = photo_id
            self.emit("current_changed", photo_id)

    # -- undoable edits ------------------------------------------------------------------------
    def set_rectification(self, photo_id: str, rect: Rectification | None, text: str = "") -> None:
        """Crop/rectify a photo (``None`` resets it); one undo step. An existing result stays."""
        photo = self._require(photo_id)
        new = rect or Rectification()
        old = photo.rectification
        if new == old:
            return
        if not new.is_identity:
            rectify(photo.pixels[:8, :8], replace(new, out_width=4, out_height=4))  # validates corners

        def apply(value: Rectification) -> Callable[[], None]:
            def run() -> None:
                photo.rectification = value
                self.emit("photo_changed", photo_id)
            return run

        label = text or ("Reset rectification" if new.is_identity else "Rectify photo")
        self.undo_stack.push(Command(label, apply(new), apply(old)))

    def set_fov(self, photo_id: str, degrees: float) -> None:
        photo = self._require(photo_id)
        if not 1.0 <= degrees <= 170.0:
            raise ValueError("the field of view must be between 1 and 170 degrees")
        old = photo.fov_degrees
        if old == degrees:
            return

        def apply(value: float) -> Callable[[], None]:
            def run() -> None:
                photo.fov_degrees = value
                self.emit("photo_changed", photo_id)
            return run

        self.undo_stack.push(Command("Change field of view", apply(degrees), apply(old), f"fov:{photo_id}"))

    def set_options(self, **changes) -> None:
        """Change task options (validated) as one undo step; repeated edits of one field merge."""
        new = replace(self.options, **changes)
        old = self.options
        if new == old:
            return

        def apply(value: TaskOptions) -> Callable[[], None]:
            def run() -> None:
                self.options = value
                self.emit("options_changed")
            return run

        key = "options:" + ",".join(sorted(changes))
        self.undo_stack.push(Command(f"Change {', '.join(sorted(changes))}", apply(new), apply(old), key))

    # -- jobs and results (not undoable: they record what happened) ------------------------------
    def set_status(self, photo_id: str, status: str, message: str = "", details: str = "") -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        photo = self.photo(photo_id)
        if photo is None:  # removed while its job ran
            return
        photo.status, photo.message, photo.details = status, message, details
        self.emit("photo_changed", photo_id)

    def set_result(self, photo_id: str, result: Result) -> None:
        photo = self.photo(photo_id)
        if photo is None:
            return
        photo.result = result
        photo.status = "done"
        photo.message = "; ".join(result.warnings)
        photo.details = ""
        self.undo_stack.clean_index = -1  # new results are unsaved work
        self.emit("photo_changed", photo_id)
        self.emit("project_changed")

    def replace_result(self, photo_id: str, result: Result, text: str) -> None:
        """Swap a photo's result for an edited one (Repair region, Make tileable) as one undo step.

        Undo and redo only swap while the photo still holds the result they expect: a result that a
        later run replaced is never thrown away by undoing an older edit."""
        photo = self._require(photo_id)
        old = photo.result

        def swap(expected: Result | None, value: Result | None) -> Callable[[], None]:
            def run() -> None:
                if photo.result is not expected:
                    log.info("%s: the result of %s changed since; left as it is", text, photo.name)
                    return
                photo.result = value
                self.emit("photo_changed", photo_id)
            return run

        self.undo_stack.push(Command(text, swap(old, result), swap(result, old)))

    # -- project ---------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return not self.undo_stack.is_clean

    @property
    def title(self) -> str:
        name = self.project_path.stem if self.project_path else "Untitled"
        return f"{name}{' *' if self.dirty else ''}"

    def clear(self) -> None:
        self.photos = []
        self.current_id = None
        self.options = TaskOptions()
        self.project_path = None
        self.undo_stack.clear()
        self.emit("photos_changed")
        self.emit("current_changed", None)
        self.emit("options_changed")

    def _require(self, photo_id: str) -> Photo:
        photo = self.photo(photo_id)
        if photo is None:
            raise KeyError(f"no photo with id {photo_id!r} in this session")
        return photo
