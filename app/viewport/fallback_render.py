"""The no-OpenGL preview off the GUI thread (Qt-free): the render function and a latest-wins job.

``engine_preview`` renders the flash photo of the maps with ``engine.materials.render_flash``
(about 1.4 s for a 384 px preview on a laptop CPU). ``LatestPreviewJob`` runs it on a daemon
thread: ``submit`` returns a serial number; a request submitted while another renders replaces
any request still waiting, and a result is handed to ``on_result(serial, image)`` only while its
serial is the newest (superseded results are dropped). ``close`` drops what waits and waits for
the render in progress; no callback runs after ``close`` has begun. Callbacks run on the job's
thread: the Qt widget turns them into queued signals (``qt_fallback.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)

PREVIEW_SIZE = 512
THREAD_NAME = "viewport-preview"

PreviewFunction = Callable[[dict[str, np.ndarray], float], np.ndarray]


def engine_preview(maps: dict[str, np.ndarray], fov_degrees: float = 45.0) -> np.ndarray:
    """The flash photo of ``maps`` by ``engine.materials.render_flash``, as display sRGB (H, W, 3)."""
    import torch

    from engine.materials import render_flash

    h, w = maps["diffuse"].shape[:2]
    step = max(1, int(np.ceil(max(h, w) / PREVIEW_SIZE)))
    tensors = {
        k: torch.from_numpy(np.ascontiguousarray(maps[k][::step, ::step])).permute(2, 0, 1)[None]
        for k in ("diffuse", "specular", "roughness", "normals")
    }
    with torch.no_grad():
        linear = render_flash(tensors, fov_degrees)[0].permute(1, 2, 0).clamp(0, 1).numpy()
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(linear, 1 / 2.4) - 0.055)


@dataclass(frozen=True)
class PreviewRequest:
    """One preview to render: the maps (kept by reference, never changed) and the field of view."""

    serial: int
    maps: dict[str, np.ndarray]
    fov_degrees: float = 45.0


@dataclass
class LatestPreviewJob:
    """Renders the newest submitted request on a daemon thread; older waiting requests are dropped.

    ``render`` is the work (``engine_preview``; tests inject slow fakes with its signature).
    ``on_result(serial, image)`` / ``on_failed(serial, message)`` run on the job's thread, only for
    the newest serial and never after ``close()``. The thread ends when nothing is left to render.
    """

    on_result: Callable[[int, np.ndarray], None] | None = None
    on_failed: Callable[[int, str], None] | None = None
    render: PreviewFunction | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _idle: threading.Condition = field(init=False, repr=False)
    _pending: PreviewRequest | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _serial: int = field(default=0, init=False, repr=False)
    _closed: bool = field(default=False, init=False, repr=False)
    _last: tuple[int, np.ndarray | None, str] | None = field(default=None, init=False, repr=False)
    renders: int = field(default=0, init=False)  # renders started (tests count superseded work)

    def __post_init__(self) -> None:
        self._idle = threading.Condition(self._lock)

    @property
    def latest(self) -> int:
        """The serial of the newest request (0 before the first)."""
        return self._serial

    @property
    def busy(self) -> bool:
        """True while a request renders or waits."""
        with self._lock:
            return self._thread is not None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def running(self) -> bool:
        """True while the job's thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def submit(self, maps: dict[str, np.ndarray], fov_degrees: float = 45.0) -> int:
        """Queue a render of ``maps`` (replacing one still waiting); returns its serial."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the preview job is closed")
            self._serial += 1
            self._pending = PreviewRequest(self._serial, maps, float(fov_degrees))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
                self._thread.start()
            return self._serial

    def cancel(self) -> int:
        """Drop the waiting request and make any result in progress stale; returns the new serial."""
        with self._lock:
            self._serial += 1
            self._pending = None
            return self._serial

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until nothing renders or waits; True when idle."""
        with self._lock:
            return self._idle.wait_for(lambda: self._thread is None, timeout)

    def result(self) -> tuple[int, np.ndarray | None, str] | None:
        """The newest finished ``(serial, image or None, error message)``, if it is still current."""
        with self._lock:
            last = self._last
            return last if last is not None and last[0] == self._serial else None

    def close(self, timeout: float | None = 30.0) -> bool:
        """Drop what waits, silence callbacks and wait for the render in progress; True when ended."""
        with self._lock:
            self._closed = True
            self._pending = None
            thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("viewport: the preview thread did not stop within %.0f s", timeout or 0)
            return False
        return True

    def _run(self) -> None:
        render = self.render or engine_preview
        while True:
            with self._lock:
                request, self._pending = self._pending, None
                if request is None or self._closed:
                    self._thread = None
                    self._idle.notify_all()
                    return
                self.renders += 1
            image: np.ndarray | None = None
            message = ""
            try:
                image = np.asarray(render(request.maps, request.fov_degrees))
            except Exception as exc:  # noqa: BLE001 - best effort preview: say why it is missing
                log.exception("viewport: the fallback preview failed")
                message = str(exc).strip() or type(exc).__name__
            with self._lock:  # callbacks under the lock: close() cannot slip in between
                if self._closed or request.serial != self._serial:
                    continue  # superseded (or closing): only the newest result is shown
                self._last = (request.serial, image, message)
                try:
                    if image is not None and self.on_result is not None:
                        self.on_result(request.serial, image)
                    elif image is None and self.on_failed is not None:
                        self.on_failed(request.serial, message)
                except Exception:  # noqa: BLE001 - a broken receiver must not kill the thread
                    log.exception("viewport: delivering the preview failed")
