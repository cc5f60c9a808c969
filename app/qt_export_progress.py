"""Exports off the GUI thread: a queue of ``ExportJob``s (one at a time) whose thread callbacks
become Qt signals on the GUI thread, and the status-bar strip that shows their progress with a
Cancel button.

The queue is a QObject living on the GUI thread; a job calls its callbacks on its own thread, so
emitting the queue's private signals there queues them to the GUI thread (Qt's automatic
connection), the same way as ``QtWorkerBridge``. Signals of a job that has already been
cancelled or replaced carry an old serial number and are ignored."""

from __future__ import annotations

import collections
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.exporting import ExportFunction, ExportJob, ExportRequest
from app.qt_progress import QtProgressLine

log = logging.getLogger(__name__)


class QtExportQueue(QObject):
    """Runs queued :class:`ExportRequest`s one at a time on background threads."""

    started = Signal(object)  # request
    progress = Signal(object, int, int)  # request, step, total
    finished = Signal(object, object)  # request, target folder (Path)
    failed = Signal(object, str)  # request, one-sentence message
    cancelled = Signal(object)  # request (also for queued requests dropped by cancel())
    busy_changed = Signal(bool)

    _job_progress = Signal(int, int, int)  # serial, step, total (from the job's thread)
    _job_ended = Signal(int, str, object)  # serial, "finished" | "failed" | "cancelled", payload

    def __init__(self, parent: QObject | None = None, export: ExportFunction | None = None) -> None:
        super().__init__(parent)
        self.export = export  # None = app.exporting.export_maps; tests inject slow fakes
        self._pending: collections.deque[ExportRequest] = collections.deque()
        self._job: ExportJob | None = None
        self._serial = 0
        self._job_progress.connect(self._on_progress)
        self._job_ended.connect(self._on_ended)

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def current(self) -> ExportRequest | None:
        return self._job.request if self._job is not None else None

    @property
    def queued(self) -> int:
        """Requests waiting behind the running one."""
        return len(self._pending)

    def enqueue(self, request: ExportRequest) -> None:
        self._pending.append(request)
        if self._job is None:
            self._start_next()

    def cancel(self) -> None:
        """Cancel the running export (it leaves nothing behind) and drop the queued ones."""
        dropped = list(self._pending)
        self._pending.clear()
        if self._job is not None:
            self._job.cancel()  # its "cancelled" arrives from its thread
        for request in dropped:
            self.cancelled.emit(request)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything and wait for the running thread (window closing)."""
        self._pending.clear()
        job, self._job = self._job, None
        self._serial += 1  # late signals of that job are ignored
        if job is not None:
            job.cancel()
            if not job.join(timeout):
                log.warning("an export thread did not stop within %.0f s", timeout)

    # -- internals ------------------------------------------------------------------------------
    def _start_next(self) -> None:
        was_busy = self._job is not None
        self._job = None
        if not self._pending:
            if was_busy:
                self.busy_changed.emit(False)
            return
        request = self._pending.popleft()
        self._serial += 1
        serial = self._serial
        self._job = ExportJob(
            request,
            on_progress=lambda step, total: _emit(self._job_progress, serial, step, total),
            on_finished=lambda target: _emit(self._job_ended, serial, "finished", target),
            on_failed=lambda message: _emit(self._job_ended, serial, "failed", message),
            on_cancelled=lambda: _emit(self._job_ended, serial, "cancelled", None),
            export=self.export,
        )
        if not was_busy:
            self.busy_changed.emit(True)
        self.started.emit(request)
        self._job.start()

    def _on_progress(self, serial: int, step: int, total: int) -> None:
        if serial == self._serial and self._job is not None:
            self.progress.emit(self._job.request, step, total)

    def _on_ended(self, serial: int, outcome: str, payload: object) -> None:
        if serial != self._serial or self._job is None:
            return
        job = self._job
        job.join(1.0)  # the callback was its last act: the thread is ending
        request = job.request
        if outcome == "finished":
            self.finished.emit(request, Path(payload))
        elif outcome == "failed":
            self.failed.emit(request, str(payload))
        else:
            self.cancelled.emit(request)
        self._start_next()


def _emit(signal, *args) -> None:
    """Emit from the job's thread; a queue already deleted (window gone) just drops the news."""
    try:
        signal.emit(*args)
    except RuntimeError:  # pragma: no cover - the C++ object was deleted
        log.debug("export signal dropped: its queue is gone")


class QtExportProgress(QWidget):
    """Status-bar strip: "Exporting <name>… 3/7", a repaint-free progress line and Cancel.
    Hidden while no export runs; never modal, so the window stays usable."""

    def __init__(self, queue: QtExportQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.label = QLabel()
        self.label.setFixedWidth(300)  # changing text never re-lays out the status bar
        self.label.setToolTip("The texture set being written.")
        self.bar = QtProgressLine()
        self.bar.setFixedWidth(160)
        self.bar.setToolTip("Files written so far.")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelExport")
        self.cancel_button.setToolTip("Stop exporting; nothing of an unfinished export is written.")
        self.cancel_button.clicked.connect(queue.cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        queue.started.connect(self._started)
        queue.progress.connect(self._progress)
        queue.busy_changed.connect(self.setVisible)
        self.setVisible(False)

    def _text(self, request: ExportRequest, step: int = 0, total: int = 0) -> str:
        text = f"Exporting {request.label}…"
        if total:
            text += f" {step}/{total}"
        if self.queue.queued:
            text += f" (+{self.queue.queued} queued)"
        return text

    def _started(self, request: ExportRequest) -> None:
        self.bar.setValue(0)
        self.label.setText(self._text(request))

    def _progress(self, request: ExportRequest, step: int, total: int) -> None:
        self.bar.setValue(round(1000 * step / max(total, 1)))
        self.label.setText(self._text(request, step, total))
