"""A light progress bar: paints in ``paintEvent`` after ``update()`` (coalesced, asynchronous).

QProgressBar.setValue repaints synchronously; in a window that also holds a QOpenGLWidget (the
relighting viewport) every synchronous repaint recomposes the whole window through OpenGL, which
on software GL stalls the event loop. This bar never repaints synchronously."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.qt_theme import ACCENT


class QtProgressLine(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fraction = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(14)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(200, 14)

    @property
    def fraction(self) -> float:
        return self._fraction

    def value(self) -> int:
        """Per mille, like the QProgressBar(0..1000) it replaces."""
        return round(self._fraction * 1000)

    def setValue(self, per_mille: int) -> None:  # noqa: N802 - QProgressBar-compatible
        fraction = min(1.0, max(0.0, per_mille / 1000))
        if abs(fraction - self._fraction) >= 0.001:
            self._fraction = fraction
            self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(QColor("#4a505a"), 1))
        painter.setBrush(QColor("#1e2126"))
        painter.drawRoundedRect(rect, 4, 4)
        if self._fraction > 0:
            width = (rect.width() - 2) * self._fraction
            filled = QRectF(rect.x() + 1, rect.y() + 1, width, rect.height() - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(ACCENT))
            painter.drawRoundedRect(filled, 3, 3)
        painter.end()
