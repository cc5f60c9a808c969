"""The messages dock: app and engine log lines (INFO and above), thread-safe through a signal."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 2000


class _Emitter(QObject):
    line = Signal(str)


class QtLogHandler(logging.Handler):
    """A logging handler whose records reach the GUI thread as queued signals."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.emitter = _Emitter()
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
            self.emitter.line.emit(f"{stamp}  {level}{self.format(record)}")
        except RuntimeError:  # the widget was deleted while shutting down
            pass


class QtLogView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setToolTip("What the app and the engine reported. Full details are in the log file "
                        "(Help ▸ Open log folder).")
        self.handler = QtLogHandler()
        self.handler.emitter.line.connect(self.appendPlainText)

    def install(self, logger: logging.Logger | None = None) -> None:
        logger = logger or logging.getLogger()
        if logger.level > logging.INFO or logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        logger.addHandler(self.handler)

    def uninstall(self, logger: logging.Logger | None = None) -> None:
        (logger or logging.getLogger()).removeHandler(self.handler)
