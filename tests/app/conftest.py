"""Shared fixtures of the app tests: tiny photos on disk, a main window driven by the real worker
process (running a tiny fake estimate job), and a guard that fails any test leaving a QThread or
QTimer running (napari's rule)."""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path

import cv2
import numpy as np
import pytest

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # under xvfb-run: the real X server
try:  # the viewport needs OpenGL 3.3 core, chosen before pytest-qt creates the QApplication
    from app.gui import configure_gl_format

    configure_gl_format()
except ImportError:  # pragma: no cover
    pass

FAKE_JOB = "tests.app.fake_jobs:fake_estimate"


def write_photo(path: Path, width: int = 48, height: int = 32, seed: int = 0) -> Path:
    """A small 8-bit PNG with a gradient and noise, so crops and warps are observable."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, width)[None, :, None]
    y = np.linspace(0, 255, height)[:, None, None]
    img = np.concatenate([np.broadcast_to(x, (height, width, 1)), np.broadcast_to(y, (height, width, 1)),
                          rng.integers(0, 255, (height, width, 1))], axis=2).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img[..., ::-1])
    return path


@pytest.fixture
def photo_files(tmp_path):
    """Three small PNG photos in a folder."""
    return [write_photo(tmp_path / "photos" / f"photo{i}.png", seed=i) for i in range(3)]


@pytest.fixture(autouse=True)
def no_dangling_qt_threads_or_timers(monkeypatch):
    """Fail a test that leaves a started QTimer/QThread running or a worker-client thread alive."""
    try:
        from PySide6 import QtCore
    except ImportError:  # pragma: no cover
        yield
        return
    timers: list = []
    threads: list = []
    timer_start, thread_start = QtCore.QTimer.start, QtCore.QThread.start

    def track_timer(self, *args):
        timers.append(weakref.ref(self))
        return timer_start(self, *args)

    def track_thread(self, *args):
        threads.append(weakref.ref(self))
        return thread_start(self, *args)

    monkeypatch.setattr(QtCore.QTimer, "start", track_timer)
    monkeypatch.setattr(QtCore.QThread, "start", track_thread)
    yield
    app = QtCore.QCoreApplication.instance()
    if app is not None:
        app.processEvents()
    import shiboken6

    active = [t for t in (r() for r in timers) if t is not None and shiboken6.isValid(t) and t.isActive()]
    running = [t for t in (r() for r in threads) if t is not None and shiboken6.isValid(t) and t.isRunning()]
    clients = [t for t in threading.enumerate() if t.name == "worker-client" and t.is_alive()]
    for timer in active:
        timer.stop()
    assert not active, f"{len(active)} QTimer(s) left running: {[t.objectName() for t in active]}"
    assert not running, f"{len(running)} QThread(s) left running"
    assert not clients, "a worker client was not shut down"


@pytest.fixture
def make_window(qtbot):
    """Build main windows on the real worker (fake estimate job); closes and shuts them down after."""
    from app.qt_main_window import QtMainWindow
    from app.qt_theme import apply_dark_theme
    from app.qt_worker_bridge import QtWorkerBridge
    from app.settings import AppSettings

    windows = []

    def make(job: str | None = FAKE_JOB, settings: AppSettings | None = None, prewarm: bool = False):
        from PySide6.QtWidgets import QApplication

        apply_dark_theme(QApplication.instance())
        bridge = QtWorkerBridge(job=job)
        window = QtMainWindow(bridge, settings or AppSettings(), prewarm=prewarm)
        window.confirm_discard = lambda: True
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        for box in window.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QMessageBox):
            box.close()
        window.close()
        window.shutdown()
        window.deleteLater()
    qtbot.wait(10)
