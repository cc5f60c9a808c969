"""Start the desktop app: GL surface format, QApplication, dark theme, worker, main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def configure_gl_format() -> None:
    """OpenGL 3.3 core with a depth buffer; must run before the QApplication exists."""
    try:
        from app.viewport import configure_default_format

        configure_default_format()
        return
    except (ImportError, AttributeError):
        pass
    from PySide6.QtGui import QSurfaceFormat

    fmt = QSurfaceFormat()
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    QSurfaceFormat.setDefaultFormat(fmt)


def create_window(argv: list[str] | None = None, bridge=None):
    """The QApplication (created if needed) and a shown main window; files in ``argv`` are opened."""
    from PySide6.QtWidgets import QApplication

    from app.qt_main_window import QtMainWindow
    from app.qt_theme import apply_dark_theme
    from app.qt_worker_bridge import QtWorkerBridge

    app = QApplication.instance()
    if app is None:
        configure_gl_format()
        app = QApplication(["teamwork-studio", *(argv or [])])
    app.setApplicationName("Teamwork Studio")
    app.setOrganizationName("teamwork-studio")
    apply_dark_theme(app)
    if bridge is None:
        bridge = QtWorkerBridge()
        bridge.start()  # boots in the background; the window does not wait for it
    window = QtMainWindow(bridge)
    for arg in argv or []:
        path = Path(arg)
        if path.suffix == ".twproj":
            window.open_project(path)
        elif path.is_dir() or path.is_file():
            window.photo_list.handle_paths([path])
    window.show()
    return app, window


def run_gui(argv: list[str]) -> int:
    from engine.log import setup_logging

    setup_logging(verbose="--verbose" in argv, process_name="app")
    argv = [a for a in argv if a != "--verbose"]
    app, window = create_window(argv)
    log.info("Teamwork Studio started")
    code = app.exec()
    window.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(run_gui(sys.argv[1:]))
