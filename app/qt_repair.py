"""The repair page: paint a mask over the photo (or any map) of the current result, then Repair
region or Make tileable; progress, Cancel and what ran (method and warnings) below.

The mask lives in an ``app.repair.MaskState`` at the maps' size, so scene coordinates are map
pixels. Left button paints, right button erases (or left with Erase on); middle-drag pans, the wheel
zooms, ``[`` and ``]`` change the brush. The page only paints and asks: the main window runs the
edits through ``app.repair.MaterialEditor``.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsEllipseItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.map_display import display_u8, ordered, title
from app.qt_canvas import DISPLAY_MAX, qimage_from
from app.qt_progress import QtProgressLine
from app.repair import MAX_BRUSH, METHODS, REPAIR, EditOutcome, MaskState, fit_photo, mask_overlay
from app.runner import Progress
from app.session import Session

PHOTO = "photo"


def rgba_image(rgba: np.ndarray) -> QImage:
    h, w = rgba.shape[:2]
    rgba = np.ascontiguousarray(rgba)
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


class PaintView(QGraphicsView):
    """Turns mouse drags into brush strokes in scene (= map pixel) coordinates."""

    def __init__(self, scene: QGraphicsScene, panel: QtRepairPanel) -> None:
        super().__init__(scene)
        self.panel = panel
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QColor("#1a1c20"))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._stroke: tuple[QPointF, bool] | None = None  # last point, erasing
        self._pan: QPointF | None = None

    def fit(self) -> None:
        rect = self.sceneRect()
        if rect.width() > 0 and rect.height() > 0:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event):  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit()

    def wheelEvent(self, event):  # noqa: N802 - Qt override
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.scale(factor, factor)

    def keyPressEvent(self, event):  # noqa: N802 - Qt override: [ and ] change the brush
        if event.text() in ("[", "]"):
            self.panel.scale_brush(1.25 if event.text() == "]" else 1 / 1.25)
            event.accept()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event):  # noqa: N802 - Qt override
        self.setFocus()
        pos = self.mapToScene(event.position().toPoint())
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan = event.position()
        elif event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            erase = event.button() == Qt.MouseButton.RightButton or self.panel.erase.isChecked()
            self._stroke = (pos, erase)
            self.panel.paint(pos, pos, erase)
        event.accept()

    def mouseMoveEvent(self, event):  # noqa: N802 - Qt override
        pos = self.mapToScene(event.position().toPoint())
        self.panel.move_cursor(pos)
        if self._pan is not None:
            delta = event.position() - self._pan
            self._pan = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
        elif self._stroke is not None:
            last, erase = self._stroke
            self.panel.paint(last, pos, erase)
            self._stroke = (pos, erase)
        event.accept()

    def mouseReleaseEvent(self, event):  # noqa: N802 - Qt override
        self._stroke = None
        self._pan = None
        event.accept()

    def contextMenuEvent(self, event):  # noqa: N802 - Qt override: the right button erases
        event.accept()

    def leaveEvent(self, event):  # noqa: N802 - Qt override
        self.panel.cursor.setVisible(False)
        super().leaveEvent(event)


class QtRepairPanel(QWidget):
    repair_requested = Signal()
    tileable_requested = Signal()
    cancel_requested = Signal()
    back_requested = Signal()
    method_changed = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.mask: MaskState | None = None
        self._mask_owner: tuple[str, tuple[int, int]] | None = None
        self._shown: tuple | None = None
        self._overlay = QPixmap()
        self._editing = False
        self._estimating = False
        self._last_progress = 0.0

        self.scene = QGraphicsScene(self)
        self.view = PaintView(self.scene, self)
        self.background = QGraphicsPixmapItem()
        self.background.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.overlay = QGraphicsPixmapItem()
        self.cursor = QGraphicsEllipseItem()
        self.cursor.setPen(QPen(QColor("white"), 0))
        self.cursor.setZValue(10)
        self.cursor.setVisible(False)
        for item in (self.background, self.overlay, self.cursor):
            self.scene.addItem(item)

        self.source = QComboBox()
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.source.setMinimumContentsLength(15)
        self.source.setToolTip("Paint over the photo or over any map: the mask is shared by all of them.")
        self.brush = QSpinBox()
        self.brush.setRange(1, 2 * MAX_BRUSH)
        self.brush.setSuffix(" px")
        self.brush.setValue(12)
        self.brush.setToolTip("Brush diameter in texture pixels ([ smaller, ] larger).")
        self.erase = QCheckBox("Erase")
        self.erase.setToolTip("Left button erases the mask (the right button always erases).")
        self.clear = QPushButton("Clear mask")
        self.clear.setToolTip("Erase the whole mask.")
        self.method = QComboBox()
        for key, label in METHODS.items():
            self.method.addItem(label, key)
        self.method.setToolTip("Automatic uses the embedded Teamwork inpainting model when this build has "
                               "one, and OpenCV Telea otherwise (with a note below). OpenCV Telea is the "
                               "fast classical method: it continues the surroundings smoothly.")
        self.repair = QPushButton("Repair region")
        self.repair.setObjectName("primary")
        self.repair.setToolTip("Fill the painted region of the photo and of every map together "
                               "(Ctrl+Shift+I); undoable.")
        self.tileable = QPushButton("Make tileable")
        self.tileable.setToolTip("Repair the wrap-around seams of the photo and every map so the material "
                                 "repeats without visible edges (Ctrl+T); undoable.")
        self.back = QPushButton("Back to crop")
        self.back.setToolTip("Return to the crop and rectification view.")
        self.coverage = QLabel()
        self.coverage.setObjectName("hint")
        self.progress = QtProgressLine()
        self.progress.setToolTip("Progress of the running repair.")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the running repair; the result stays as it was (Esc).")
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.status.setFixedHeight(self.status.fontMetrics().lineSpacing() * 2 + 4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.hint = QLabel("Paint over the blemish with the left button (right button erases), then press "
                           "Repair region. Middle-drag pans, the wheel zooms, [ and ] change the brush.")
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)

        tools = QHBoxLayout()
        tools.addWidget(QLabel("Show"))
        tools.addWidget(self.source)
        tools.addWidget(QLabel("Brush"))
        tools.addWidget(self.brush)
        tools.addWidget(self.erase)
        tools.addWidget(self.clear)
        tools.addWidget(self.coverage)
        tools.addStretch(1)
        tools.addWidget(QLabel("Method"))
        tools.addWidget(self.method)
        tools.addWidget(self.repair)
        tools.addWidget(self.tileable)
        tools.addWidget(self.back)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        layout.addLayout(running)
        layout.addWidget(self.status)

        self.source.activated.connect(lambda _: self._draw_background())
        self.brush.valueChanged.connect(lambda _: self._resize_cursor())
        self.clear.clicked.connect(self.clear_mask)
        self.method.activated.connect(lambda _: self.method_changed.emit(self.method.currentData()))
        self.repair.clicked.connect(self.repair_requested)
        self.tileable.clicked.connect(self.tileable_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        self.back.clicked.connect(self.back_requested)
        self._subs = [
            session.subscribe("current_changed", lambda _pid: self.refresh()),
            session.subscribe("photo_changed", lambda pid: pid == session.current_id and self.refresh()),
        ]
        self._update_buttons()
        self.refresh()

    def close_subscriptions(self) -> None:
        for unsubscribe in self._subs:
            unsubscribe()
        self._subs = []

    # -- session -> view --------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        photo = self.session.current
        result = photo.result if photo else None
        key = (photo.id if photo else None, id(result))
        if key == self._shown and not force:
            return
        self._shown = key
        if result is None:
            self.mask, self._mask_owner = None, None
            self.background.setPixmap(QPixmap())
            self.overlay.setPixmap(QPixmap())
            self.source.clear()
            self.hint.setText("Run the selected photo first (Ctrl+R); then paint here over what to repair."
                              if photo else "Open a photo and run it; then repair its result here.")
            self.coverage.setText("")
            self._update_buttons()
            return
        self.hint.setText("Paint over the blemish with the left button (right button erases), then press "
                          "Repair region. Middle-drag pans, the wheel zooms, [ and ] change the brush.")
        size = result.size
        owner = (photo.id, size)
        first = owner != self._mask_owner
        if first:
            self.mask = MaskState(*size)
            self._mask_owner = owner
            self.brush.setValue(2 * self.mask.default_brush())
        chosen = self.source.currentData()
        self.source.clear()
        for name in [PHOTO, *ordered(result.maps)]:
            label = "Photo (repaired)" if name == PHOTO and result.photo is not None else title(name)
            self.source.addItem(label, name)
        index = self.source.findData(chosen)
        self.source.setCurrentIndex(max(0, index))
        self._draw_background()
        self._draw_overlay()
        if first or force:
            self.view.fit()
        self._update_buttons()

    def _draw_background(self) -> None:
        photo = self.session.current
        if photo is None or photo.result is None:
            return
        name = self.source.currentData() or PHOTO
        size = photo.result.size
        array = fit_photo(photo.result_photo(), size) if name == PHOTO else photo.result.maps[name]
        h, w = size
        step = max(1, int(np.ceil(max(h, w) / DISPLAY_MAX)))
        values = display_u8(name, array[::step, ::step])
        if values.shape[2] == 1:
            values = np.repeat(values, 3, axis=2)
        self.background.setPixmap(QPixmap.fromImage(qimage_from(np.ascontiguousarray(values[..., :3]))))
        self.background.setScale(step)
        self.scene.setSceneRect(QRectF(0, 0, w, h).adjusted(-20, -20, 20, 20))

    def _draw_overlay(self) -> None:
        if self.mask is None:
            return
        self._overlay = QPixmap.fromImage(rgba_image(mask_overlay(self.mask.mask)))
        self.overlay.setPixmap(self._overlay)
        self._show_coverage()

    def _show_coverage(self) -> None:
        if self.mask is not None:
            self.coverage.setText("" if self.mask.empty else f"mask {100 * self.mask.coverage:.1f} %")
            self._update_buttons()

    # -- painting ---------------------------------------------------------------------------------
    def paint(self, start: QPointF, end: QPointF, erase: bool) -> None:
        """One brush segment in scene (map pixel) coordinates; redraws only the changed rectangle."""
        if self.mask is None:
            return
        was_empty = self.mask.empty
        changed = self.mask.stroke((start.x(), start.y()), (end.x(), end.y()), self.brush.value() / 2, erase)
        if changed is None:
            return
        x0, y0, x1, y1 = changed
        if x1 <= x0 or y1 <= y0:
            return
        patch = rgba_image(mask_overlay(self.mask.mask[y0:y1, x0:x1]))
        painter = QPainter(self._overlay)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(x0, y0, patch)
        painter.end()
        self.overlay.setPixmap(self._overlay)
        if was_empty != self.mask.empty or not erase:
            self._show_coverage()

    def clear_mask(self) -> None:
        if self.mask is not None and self.mask.clear():
            self._draw_overlay()

    def scale_brush(self, factor: float) -> None:
        self.brush.setValue(max(1, round(self.brush.value() * factor + (0.5 if factor > 1 else -0.5))))

    def move_cursor(self, pos: QPointF) -> None:
        self.cursor.setVisible(self.mask is not None)
        self.cursor.setPos(pos)
        self._resize_cursor()

    def _resize_cursor(self) -> None:
        r = self.brush.value() / 2
        self.cursor.setRect(-r, -r, 2 * r, 2 * r)

    # -- running ----------------------------------------------------------------------------------
    def set_method(self, method: str) -> None:
        self.method.setCurrentIndex(max(0, self.method.findData(method)))

    def set_running(self, editing: bool, estimating: bool = False) -> None:
        self._editing, self._estimating = editing, estimating
        if editing:
            self.progress.setValue(0)
            self.status.setText("Starting the engine…")
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.mask is not None and not self._editing and not self._estimating
        self.repair.setEnabled(ready and not self.mask.empty)
        self.tileable.setEnabled(ready)
        self.cancel.setEnabled(self._editing)
        for widget in (self.source, self.brush, self.erase, self.clear):
            widget.setEnabled(self.mask is not None)

    def show_progress(self, progress: Progress) -> None:
        now = time.monotonic()  # throttled like the task panel: each repaint may recompose through GL
        last_step = progress.total and progress.step >= progress.total
        if now - self._last_progress < 0.12 and not last_step and progress.step:
            return
        self._last_progress = now
        self.progress.setValue(round(progress.fraction * 1000))
        label = f"{progress.label}: " if progress.label else ""
        self.status.setText(label + (progress.text if progress.total else "working…"))

    def show_outcome(self, outcome: EditOutcome) -> None:
        self.progress.setValue(1000)
        lines = [outcome.text + (" Undo with Ctrl+Z." if outcome.method != "none" else "")]
        lines += [w for w in outcome.warnings if w != "The mask is empty."]
        self.status.setText("\n".join(lines))
        self.status.setToolTip("\n".join(lines))
        if outcome.kind == REPAIR and outcome.method != "none":
            self.clear_mask()  # the region is repaired; paint the next one

    def show_message(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
