"""Start the Qt application. Replaced by the full main window as the GUI grows."""

from __future__ import annotations


def run_gui(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(["teamwork-studio", *argv])
    window = QMainWindow()
    window.setWindowTitle("Teamwork Studio")
    window.resize(1400, 900)
    window.show()
    return app.exec()
