"""What the viewport shows without OpenGL 3.3: a notice and a 2D preview by the engine renderer.

The preview renders on a background thread (``fallback_render.LatestPreviewJob``) so the GUI keeps
running; the result comes back to the GUI thread through a queued signal, a newer request
supersedes an older one (only the latest result is shown), and "Rendering preview…" shows while
it works. Destroying the widget drops what waits and waits for the render in progress.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.viewport.fallback_render import PREVIEW_SIZE, LatestPreviewJob, PreviewFunction, engine_preview

log = logging.getLogger(__name__)

__all__ = ["NOTICE", "PREVIEW_SIZE", "RENDERING", "QtViewportFallback", "engine_preview", "to_qimage"]

NOTICE = (
    "The 3D viewport needs OpenGL 3.3, which is not available here ({reason}). "
    "Showing a flat preview rendered by the engine (colocated flash) instead."
)
RENDERING = "Rendering preview…"
GRAB_TIMEOUT_S = 60.0


def to_qimage(image: np.ndarray) -> QImage:
    """(H, W, 3) floats in [0, 1] as an 8-bit RGB QImage (owning a copy of the pixels)."""
    rgb8 = np.ascontiguousarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8))
    h, w, _ = rgb8.shape
    return QImage(rgb8.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _close_job(job: LatestPreviewJob) -> None:
    job.close()


def _emit(signal, *args) -> None:
    """Emit from the job's thread (queued to the GUI thread); a widget already gone drops it."""
    try:
        signal.emit(*args)
    except RuntimeError:  # pragma: no cover - the C++ object was deleted
        log.debug("viewport: preview dropped, its widget is gone")


class QtViewportFallback(QWidget):
    """The notice and the engine-rendered preview (rendered off the GUI thread).

    ``render`` replaces ``engine_preview`` (tests inject slow fakes with its signature).
    Signal ``previewShown(int)`` carries the serial of each preview (or error text) put on screen.
    """

    previewShown = Signal(int)  # noqa: N815 - Qt naming

    _rendered = Signal(int, object)  # serial, (H, W, 3) image - emitted on the job's thread
    _failed = Signal(int, str)  # serial, message - emitted on the job's thread

    def __init__(self, parent: QWidget | None = None, render: PreviewFunction | None = None) -> None:
        super().__init__(parent)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview = QLabel(self)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(64, 64)
        self.status = QLabel(RENDERING, self)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.status)
        self.reason = ""
        self.shown_serial = 0
        self._rendered.connect(self._on_rendered, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._job = LatestPreviewJob(
            on_result=lambda serial, image: _emit(self._rendered, serial, image),
            on_failed=lambda serial, message: _emit(self._failed, serial, message),
            render=render,
        )
        # the job (not self) is captured: the C++ widget is going away when ``destroyed`` fires
        job = self._job
        self.destroyed.connect(lambda *_: _close_job(job))

    # -- public ------------------------------------------------------------------------------------
    def set_reason(self, reason: str) -> None:
        self.reason = reason
        self.notice.setText(NOTICE.format(reason=reason))

    def set_maps(self, maps: dict[str, np.ndarray] | None, fov_degrees: float = 45.0) -> None:
        """Start rendering the preview of ``maps`` in the background (None clears it at once)."""
        if maps is None:
            self.shown_serial = self._job.cancel()
            self.preview.clear()
            self.status.setVisible(False)
            return
        if self._job.closed:
            log.debug("viewport: preview requested after shutdown; ignored")
            return
        self._job.submit(maps, fov_degrees)
        self.status.setText(RENDERING)
        self.status.setVisible(True)

    @property
    def rendering(self) -> bool:
        """True while the latest requested preview is not on screen yet."""
        return self.shown_serial != self._job.latest

    @property
    def job(self) -> LatestPreviewJob:
        return self._job

    def wait_for_preview(self, timeout: float = GRAB_TIMEOUT_S) -> bool:
        """Block until the latest preview is on screen (screenshots and tests); True when it is."""
        if self.rendering and self._job.wait(timeout):
            result = self._job.result()
            if result is not None:
                serial, image, message = result
                if image is not None:
                    self._on_rendered(serial, image)
                else:
                    self._on_failed(serial, message)
        return not self.rendering

    def image(self) -> QImage:
        """The preview on screen, waiting for a render in progress first."""
        self.wait_for_preview()
        pixmap = self.preview.pixmap()
        return pixmap.toImage() if pixmap is not None and not pixmap.isNull() else QImage()

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Stop rendering (drops what waits, waits for the render in progress); True when ended."""
        self.status.setVisible(False)
        return self._job.close(timeout)

    # -- GUI thread --------------------------------------------------------------------------------
    def _on_rendered(self, serial: int, image: np.ndarray) -> None:
        if serial != self._job.latest or serial == self.shown_serial:
            return  # superseded, or already shown by wait_for_preview
        self.preview.setPixmap(QPixmap.fromImage(to_qimage(image)))
        self._shown(serial)

    def _on_failed(self, serial: int, message: str) -> None:
        if serial != self._job.latest or serial == self.shown_serial:
            return
        self.preview.setText(f"No preview: {message}")
        self._shown(serial)

    def _shown(self, serial: int) -> None:
        self.shown_serial = serial
        self.status.setVisible(False)
        self.previewShown.emit(serial)
