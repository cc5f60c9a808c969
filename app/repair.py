"""Repair region and Make tileable for the current photo's result (Qt-free).

- ``MaskState``: the brush mask the user paints, at the size of the result's maps (1 = repair).
- ``edit_inputs(photo)``: what the engine edits jointly: every result map plus the photo (the
  rectified photo resized to the maps, or the already repaired one) as ``image``.
- ``edited_result(base, arrays, payload, kind)``: the new ``Result`` (maps, repaired photo, tileable
  flag, a line in ``edits``); ``Session.replace_result`` applies it as one undo step.
- ``MaterialEditor``: runs one edit at a time through a backend (``submit_edit``/``cancel``: the Qt
  worker bridge, or a fake) with progress, Cancel and one-sentence errors, like ``JobRunner``.

Events (``editor.subscribe``): ``state_changed(running: bool)``, ``progress(Progress)``,
``finished(EditOutcome)``, ``failed(message, details)``, ``cancelled()``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

import cv2
import numpy as np

from app.events import Events
from app.runner import Progress
from app.session import Photo, Result, Session

log = logging.getLogger(__name__)

MAP_PREFIX = "map:"  # the worker jobs' array names: map:<name>
PHOTO_MAP = "image"  # the engine's name of the photo among the maps
REPAIR, TILEABLE = "repair", "tileable"
JOBS = {REPAIR: "inpaint", TILEABLE: "make_tileable"}
KIND_TEXT = {REPAIR: "Repair region", TILEABLE: "Make tileable"}
METHOD_LABELS = {"teamwork": "Teamwork model", "telea": "OpenCV Telea", "none": "nothing to repair"}
METHODS = {"auto": "Automatic", "telea": "OpenCV Telea (fast)"}  # auto: the Teamwork model when installed
MAX_BRUSH = 512


class EditError(Exception):
    """An edit cannot start; the message is one sentence for the user."""


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


# -- the mask ------------------------------------------------------------------------------------
class MaskState:
    """A painted mask of ``height`` x ``width`` map pixels; strokes are round-capped lines."""

    def __init__(self, height: int, width: int) -> None:
        if height < 1 or width < 1:
            raise ValueError(f"a mask needs a positive size, got {width}x{height}")
        self.mask = np.zeros((height, width), np.uint8)
        self.version = 0  # bumped on every change (views redraw when it moves)

    @property
    def shape(self) -> tuple[int, int]:
        return self.mask.shape

    @property
    def empty(self) -> bool:
        return not self.mask.any()

    @property
    def coverage(self) -> float:
        """Fraction of the texture marked for repair."""
        return float(self.mask.mean())

    def default_brush(self) -> int:
        """A brush radius that suits this texture: about 1/40 of its shorter side."""
        return int(np.clip(round(min(self.shape) / 40), 2, MAX_BRUSH))

    def stroke(self, start: tuple[float, float], end: tuple[float, float], radius: float,
               erase: bool = False) -> tuple[int, int, int, int] | None:
        """Paint (or erase) a line from ``start`` to ``end`` (x, y in map pixels) with a round brush of
        ``radius`` pixels; returns the changed rectangle (x0, y0, x1, y1), or None when off the mask."""
        radius = float(np.clip(radius, 0.5, MAX_BRUSH))
        (x0, y0), (x1, y1) = start, end
        h, w = self.shape
        left, right = min(x0, x1) - radius, max(x0, x1) + radius
        top, bottom = min(y0, y1) - radius, max(y0, y1) + radius
        if right < 0 or bottom < 0 or left > w - 1 or top > h - 1:
            return None
        value = 0 if erase else 1
        a, b = (round(x0), round(y0)), (round(x1), round(y1))
        thickness = max(1, round(2 * radius))
        if a == b:
            cv2.circle(self.mask, a, max(0, round(radius)), value, -1)
        else:
            cv2.line(self.mask, a, b, value, thickness)  # thick OpenCV lines have round ends
        self.version += 1
        return (max(0, int(left)), max(0, int(top)), min(w, int(np.ceil(right)) + 1),
                min(h, int(np.ceil(bottom)) + 1))

    def clear(self) -> bool:
        """Erase everything; True when something was painted."""
        if self.empty:
            return False
        self.mask[:] = 0
        self.version += 1
        return True

    def array(self) -> np.ndarray:
        """The mask as the engine takes it: (H, W) float32, 1 = repair."""
        return self.mask.astype(np.float32)


def mask_overlay(mask: np.ndarray, colour: tuple[int, int, int] = (255, 64, 64),
                 alpha: int = 130) -> np.ndarray:
    """(H, W, 4) uint8 RGBA: ``colour`` at ``alpha`` where the mask is set, transparent elsewhere."""
    out = np.zeros((*mask.shape, 4), np.uint8)
    on = mask > 0
    out[on] = (*colour, alpha)
    return out


# -- what the engine edits ------------------------------------------------------------------------
def fit_photo(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` resized to ``size`` = (height, width): area filter down, bicubic up (clipped at 0)."""
    h, w = size
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    if pixels.shape[:2] == (h, w):
        return pixels
    shrink = w * h < pixels.shape[0] * pixels.shape[1]
    resized = cv2.resize(pixels, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return np.maximum(resized.reshape(h, w, -1), 0.0).astype(np.float32)


def edit_inputs(photo: Photo) -> dict[str, np.ndarray]:
    """Every map of the photo's result plus the photo at the maps' size (as ``image``)."""
    result = photo.result
    if result is None or not result.maps:
        raise EditError(f"Run {photo.name} first; then its result can be repaired or made tileable.")
    maps = {name: np.asarray(value, dtype=np.float32) for name, value in result.maps.items()}
    maps.setdefault(PHOTO_MAP, fit_photo(photo.result_photo(), result.size))
    return maps


def edited_result(base: Result, arrays: dict[str, np.ndarray], payload: dict, kind: str) -> Result:
    """The result after an edit: the worker's ``map:<name>`` arrays replace the maps and the photo."""
    out = {key[len(MAP_PREFIX):]: np.asarray(value, dtype=np.float32)
           for key, value in arrays.items() if key.startswith(MAP_PREFIX)}
    missing = sorted(set(base.maps) - set(out))
    if missing:
        raise EditError(f"The engine returned no {', '.join(missing)} map; the result was left as it was.")
    photo = out.get(PHOTO_MAP) if PHOTO_MAP not in base.maps else None
    edit = f"{KIND_TEXT[kind]} ({method_label(str(payload.get('method', '')))})"
    return replace(
        base,
        maps={name: out[name] for name in base.maps},
        photo=photo if photo is not None else base.photo,
        tileable=base.tileable or kind == TILEABLE,
        edits=[*base.edits, edit],
    )


# -- running edits ----------------------------------------------------------------------------------
class EditBackend(Protocol):
    def submit_edit(self, job: str, maps: dict[str, np.ndarray], mask: np.ndarray | None, options: dict,
                    label: str) -> int: ...

    def cancel(self, job_id: int) -> None: ...


@dataclass(frozen=True)
class EditOutcome:
    kind: str  # REPAIR or TILEABLE
    photo_id: str
    method: str  # teamwork, telea or none
    warnings: tuple[str, ...]
    seconds: float

    @property
    def text(self) -> str:
        """One line for the status: what ran and how long it took."""
        done = "Repaired the region" if self.kind == REPAIR else "Made the material tileable"
        if self.method == "none":
            return "Nothing to repair: the mask is empty."
        return f"{done} with {method_label(self.method)} in {self.seconds:.1f} s."


class MaterialEditor(Events):
    def __init__(self, session: Session, backend: EditBackend, clock: Callable[[], float] = time.monotonic):
        self.session = session
        self.backend = backend
        self.method = "auto"  # a METHODS key: the inpainting model the worker uses
        self.last_kind = ""  # the most recent edit started (REPAIR or TILEABLE), kept after it ends
        self._clock = clock
        self._job: int | None = None
        self._kind = ""
        self._photo: str | None = None
        self._base: Result | None = None
        self._started = 0.0
        self._first_step: tuple[int, float] | None = None
        Events.__init__(self)

    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def kind(self) -> str:
        """The running edit (REPAIR or TILEABLE), '' when idle."""
        return self._kind if self.running else ""

    def options(self) -> dict:
        """``InpaintOptions`` fields: the chosen method plus the session's steps, seed and device."""
        o = self.session.options
        return {"model": self.method, "steps": o.steps, "seed": o.seed, "device": o.device}

    # -- commands ----------------------------------------------------------------------------------
    def repair(self, photo_id: str, mask: MaskState) -> int:
        """Repair the masked region of the photo and all its maps; raises EditError when it cannot start."""
        if mask.empty:
            raise EditError("Paint over the region to repair first.")
        return self._start(REPAIR, photo_id, mask)

    def make_tileable(self, photo_id: str) -> int:
        """Make the photo and all its maps tile seamlessly; raises EditError when it cannot start."""
        return self._start(TILEABLE, photo_id, None)

    def cancel(self) -> None:
        """Stop the running edit; the result stays as it was. A late answer from the worker is ignored."""
        if self._job is None:
            return
        job = self._job
        self._clear()
        self.backend.cancel(job)
        self.emit("cancelled")
        self.emit("state_changed", False)

    def _start(self, kind: str, photo_id: str, mask: MaskState | None) -> int:
        if self.running:
            raise EditError(f"{KIND_TEXT[self._kind]} is still running; wait for it or cancel it.")
        photo = self.session.photo(photo_id)
        if photo is None:
            raise EditError("Select a photo first.")
        if photo.status in ("queued", "running"):
            raise EditError(f"{photo.name} is being estimated; wait until it is done.")
        maps = edit_inputs(photo)
        if mask is not None and mask.shape != photo.result.size:
            raise EditError("The painted mask belongs to another result; clear it and paint again.")
        try:
            job = self.backend.submit_edit(JOBS[kind], maps, mask.array() if mask is not None else None,
                                           self.options(), photo.name)
        except Exception as error:  # noqa: BLE001 - e.g. the worker cannot start
            log.exception("cannot start %s for %s", JOBS[kind], photo.name)
            raise EditError(f"Could not start {KIND_TEXT[kind].lower()}: {error}") from error
        self._job, self._kind, self._photo, self._base = job, kind, photo_id, photo.result
        self.last_kind = kind
        self._started = self._clock()
        self._first_step = None
        self.emit("state_changed", True)
        self.emit("progress", Progress(0, 0, 1, 1, None, photo.name))
        return job

    # -- backend callbacks -------------------------------------------------------------------------
    def job_progress(self, job_id: int, step: int, total: int) -> None:
        if job_id != self._job:
            return
        now = self._clock()
        if self._first_step is None:
            self._first_step = (step, now)
        first_step, first_time = self._first_step
        eta = None
        if step > first_step and total:
            eta = (now - first_time) / (step - first_step) * (total - step)
        photo = self.session.photo(self._photo)
        self.emit("progress", Progress(step, total, 1, 1, eta, photo.name if photo else ""))

    def job_result(self, job_id: int, arrays: dict[str, np.ndarray], payload: dict) -> None:
        if job_id != self._job:
            return
        kind, photo_id, base = self._kind, self._photo, self._base
        seconds = self._clock() - self._started
        self._clear()
        photo = self.session.photo(photo_id)
        try:
            if photo is None:
                raise EditError("The photo was removed while it was being edited; nothing was changed.")
            if photo.result is not base:
                raise EditError(f"The result of {photo.name} changed while {KIND_TEXT[kind].lower()} ran; "
                                "nothing was changed.")
            result = edited_result(base, arrays, payload, kind)
        except EditError as error:
            self.emit("failed", str(error), "")
            self.emit("state_changed", False)
            return
        outcome = EditOutcome(kind, photo_id, str(payload.get("method", "")),
                              tuple(str(w) for w in payload.get("warnings", [])), seconds)
        if outcome.method != "none":
            self.session.replace_result(photo_id, result, KIND_TEXT[kind])
        self.emit("finished", outcome)
        self.emit("state_changed", False)

    def job_error(self, job_id: int, message: str, kind: str = "failed", details: str = "") -> None:
        if job_id != self._job:
            return
        self._clear()
        if kind == "cancelled":
            self.emit("cancelled")
        else:
            self.emit("failed", message, details)
        self.emit("state_changed", False)

    def _clear(self) -> None:
        self._job, self._photo, self._base, self._first_step = None, None, None, None
