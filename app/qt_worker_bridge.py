"""Turns ``engine.worker.client.WorkerClient`` callbacks into Qt signals on the GUI thread.

The client calls its callbacks on its own reader thread; this QObject lives on the GUI thread, so
emitting its signals from the reader thread queues them to the GUI thread (Qt's automatic
connection). The bridge is also the runner's backend (``submit``/``cancel``) and connects its
signals to a ``JobRunner`` given to :meth:`attach`; likewise the material editor's
(``submit_edit``, :meth:`attach_editor`).

Errors keep the last worker log lines (tracebacks arrive as DEBUG lines) as the "details" text.
"""

from __future__ import annotations

import collections
import logging
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
remote = logging.getLogger("engine.worker.remote")


class QtWorkerBridge(QObject):
    progress = Signal(int, int, int, str)  # job_id, step, total, stage
    result = Signal(int, object, object)  # job_id, arrays (dict), payload (dict)
    error = Signal(int, str, str, str)  # job_id, message, kind, details
    log_line = Signal(int, str, str)  # level, logger, message

    def __init__(self, client_factory: Any = None, job: str | None = None, parent: QObject | None = None):
        """``job=None`` runs the real ``estimate`` request; a name runs that registered job instead
        (tests use a tiny ``module:function`` job with the same inputs and outputs)."""
        super().__init__(parent)
        self.job = job
        self._recent: collections.deque[str] = collections.deque(maxlen=40)
        if client_factory is None:
            from engine.worker.client import WorkerClient

            client_factory = WorkerClient
        self.client = client_factory(
            on_progress=self._on_progress, on_result=self._on_result, on_error=self._on_error,
            on_log=self._on_log,
        )

    # -- backend API used by the runner ------------------------------------------------------------
    def start(self) -> None:
        self.client.start()

    def submit(self, pixels: np.ndarray, options: dict, label: str) -> int:
        self._recent.clear()
        if self.job is None:
            return self.client.estimate(pixels, options, label=label)
        return self.client.submit(self.job, params=options, arrays={"photo": pixels}, label=label)

    def submit_edit(self, job: str, maps: dict, mask: np.ndarray | None, options: dict, label: str) -> int:
        """Backend of ``app.repair.MaterialEditor``: the ``inpaint`` or ``make_tileable`` job."""
        self._recent.clear()
        if job == "inpaint":
            return self.client.inpaint(maps, mask, options, label=label)
        if job == "make_tileable":
            return self.client.make_tileable(maps, options, label=label)
        raise ValueError(f"unknown material edit {job!r}")

    def cancel(self, job_id: int) -> None:
        self.client.cancel(job_id)

    def shutdown(self) -> None:
        try:
            self.client.shutdown()
        except Exception:  # noqa: BLE001 - closing the window must never fail
            log.exception("error while stopping the engine worker")

    def attach(self, runner) -> None:
        """Deliver this bridge's signals to ``runner`` (a ``JobRunner``) on the GUI thread."""
        self.progress.connect(lambda job, step, total, _stage: runner.job_progress(job, step, total))
        self.result.connect(runner.job_result)
        self.error.connect(runner.job_error)

    def attach_editor(self, editor) -> None:
        """Deliver this bridge's signals to ``editor`` (an ``app.repair.MaterialEditor``); each of
        runner and editor ignores the jobs it did not submit."""
        self.progress.connect(lambda job, step, total, _stage: editor.job_progress(job, step, total))
        self.result.connect(editor.job_result)
        self.error.connect(editor.job_error)

    # -- client callbacks (reader thread) ------------------------------------------------------------
    def _on_progress(self, job_id: int, step: int, total: int, stage: str) -> None:
        self.progress.emit(job_id, step, total, stage)

    def _on_result(self, job_id: int, result: Any) -> None:
        self.result.emit(job_id, dict(result.arrays), dict(result.payload))

    def _on_error(self, job_id: int, error: Any) -> None:
        message = _sentence(error.message)
        details = f"kind: {error.kind}\n{error.message}"
        if self._recent:
            details += "\n\nRecent engine log:\n" + "\n".join(self._recent)
        self.error.emit(job_id, message, error.kind, details)

    def _on_log(self, level: int, logger: str, message: str) -> None:
        remote.log(level, "[%s] %s", logger, message)
        self._recent.append(f"{logging.getLevelName(level)} {logger}: {message}")  # deque: thread-safe
        self.log_line.emit(level, logger, message)


def _sentence(text: str) -> str:
    """The engine's lower-case sentence as a proper sentence for a dialog."""
    text = text.strip()
    if not text:
        return "The engine failed without a message."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
