"""Runs estimation jobs for a queue of photos through a worker backend (Qt-free).

The runner owns the batch queue: it submits one photo at a time with the session's task options,
turns backend events into session statuses and results, and computes the progress text with an ETA.
A backend is anything with ``submit(pixels, options, label) -> job_id`` and ``cancel(job_id)``
(the Qt worker bridge, or a fake in tests); it reports back by calling ``job_started``,
``job_progress``, ``job_result`` and ``job_error`` on the runner, on the runner's thread.

Events (``runner.subscribe``): ``state_changed(running: bool)``, ``progress(Progress)``,
``job_failed(photo_id, message, details)``, ``finished(done, failed)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.events import Events
from app.session import Result, Session

log = logging.getLogger(__name__)


class Backend(Protocol):
    def submit(self, pixels: np.ndarray, options: dict, label: str) -> int: ...

    def cancel(self, job_id: int) -> None: ...


@dataclass(frozen=True)
class Progress:
    step: int
    total: int
    item: int  # 1-based index of the running photo in this batch
    items: int
    eta_seconds: float | None
    label: str

    @property
    def fraction(self) -> float:
        if self.items == 0:
            return 0.0
        within = self.step / self.total if self.total else 0.0
        return min(1.0, ((self.item - 1) + within) / self.items)

    @property
    def text(self) -> str:
        parts = [f"step {self.step}/{self.total}" if self.total else "starting"]
        if self.items > 1:
            parts.append(f"photo {self.item} of {self.items}")
        if self.eta_seconds is not None:
            parts.append(f"about {format_duration(self.eta_seconds)} left")
        return " · ".join(parts)


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class JobRunner(Events):
    def __init__(self, session: Session, backend: Backend, clock: Callable[[], float] = time.monotonic):
        self.session = session
        self.backend = backend
        self._clock = clock
        self._queue: list[str] = []
        self._items = 0
        self._done = 0
        self._failed = 0
        self._job: int | None = None
        self._photo: str | None = None
        self._job_start = 0.0
        self._first_step: tuple[int, float] | None = None
        self._seconds_per_item: float | None = None
        self._cancelling = False
        Events.__init__(self)

    @property
    def running(self) -> bool:
        return self._job is not None or bool(self._queue)

    @property
    def running_photo(self) -> str | None:
        return self._photo

    # -- commands ------------------------------------------------------------------------------
    def run(self, photo_ids: Iterable[str]) -> None:
        """Queue photos (skipping ones already queued or running) and start if idle."""
        new = [pid for pid in photo_ids if pid not in self._queue and pid != self._photo]
        if not new:
            return
        was_running = self.running
        if not was_running:
            self._items = self._done = self._failed = 0
        self._items += len(new)
        for pid in new:
            self._queue.append(pid)
            self.session.set_status(pid, "queued")
        if not was_running:
            self.emit("state_changed", True)
            self._next()

    def retry_failed(self) -> None:
        self.run([p.id for p in self.session.photos if p.status in ("failed", "cancelled")])

    def cancel(self) -> None:
        """Cancel the running job and drop the queue."""
        for pid in self._queue:
            self.session.set_status(pid, "cancelled", "Cancelled before it started.")
        self._queue.clear()
        if self._job is not None:
            self._cancelling = True
            self.backend.cancel(self._job)
        else:
            self._finish()

    # -- backend callbacks ------------------------------------------------------------------------
    def job_started(self, job_id: int) -> None:
        if job_id == self._job:
            self._job_start = self._clock()

    def job_progress(self, job_id: int, step: int, total: int) -> None:
        if job_id != self._job:
            return
        now = self._clock()
        if self._first_step is None:
            self._first_step = (step, now)
        eta = None
        first_step, first_time = self._first_step
        if step > first_step and total:
            per_step = (now - first_time) / (step - first_step)
            eta = per_step * (total - step)
            remaining_items = len(self._queue)
            if remaining_items:
                per_item = self._seconds_per_item or per_step * total
                eta += remaining_items * per_item
        photo = self.session.photo(self._photo)
        self.emit("progress", Progress(step, total, self._done + self._failed + 1, self._items, eta,
                                        photo.name if photo else ""))

    def job_result(self, job_id: int, maps: dict[str, np.ndarray], payload: dict) -> None:
        if job_id != self._job:
            return
        pid = self._photo
        seconds = self._clock() - self._job_start
        self._seconds_per_item = seconds
        warnings = [str(w) for w in payload.get("warnings", [])]
        result = Result(
            maps={k: np.asarray(v, dtype=np.float32) for k, v in maps.items()},
            task=str(payload.get("task", self.session.options.task)),
            model=str(payload.get("model", self.session.options.model)),
            warnings=warnings,
            seconds=float(seconds),
        )
        self._done += 1
        self._clear_job()
        self.session.set_result(pid, result)
        self._next()

    def job_error(self, job_id: int, message: str, kind: str = "failed", details: str = "") -> None:
        if job_id != self._job:
            return
        pid = self._photo
        self._clear_job()
        if kind == "cancelled" or self._cancelling:
            self.session.set_status(pid, "cancelled", "Cancelled.")
        else:
            self._failed += 1
            self.session.set_status(pid, "failed", message, details)
            self.emit("job_failed", pid, message, details)
        self._cancelling = False
        self._next()

    # -- internals ----------------------------------------------------------------------------
    def _clear_job(self) -> None:
        self._job = None
        self._photo = None
        self._first_step = None

    def _next(self) -> None:
        while self._queue:
            pid = self._queue.pop(0)
            photo = self.session.photo(pid)
            if photo is None:
                continue
            try:
                pixels = photo.prepared()
                options = self.session.options.for_photo(photo)
                self._photo = pid
                self._job_start = self._clock()
                self._job = self.backend.submit(pixels, options, photo.name)
            except Exception as error:  # noqa: BLE001 - a bad item must not stop the batch
                log.exception("cannot start the job for %s", photo.name)
                self._clear_job()
                self._failed += 1
                message = f"Could not start processing {photo.name}: {error}"
                self.session.set_status(pid, "failed", message, repr(error))
                self.emit("job_failed", pid, message, repr(error))
                continue
            self.session.set_status(pid, "running")
            self.emit("progress", Progress(0, 0, self._done + self._failed + 1, self._items, None,
                                            photo.name))
            return
        self._finish()

    def _finish(self) -> None:
        self._cancelling = False
        self.emit("state_changed", False)
        self.emit("finished", self._done, self._failed)
