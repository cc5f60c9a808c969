"""The photo canvas: the selected photo with four draggable corner handles for crop and
perspective rectification, output aspect/resolution, and a preview of the rectified result.

Every finished drag is one undoable ``session.set_rectification`` call; the canvas itself holds no
state the session does not have (it redraws from the session on ``photo_changed``).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.images import to_display
from app.rectify import FULL, Rectification, check_corners
from app.session import Session

DISPLAY_MAX = 2048
ASPECTS = {"From corners": None, "Square 1:1": 1.0, "4:3": 4 / 3, "3:4": 3 / 4, "16:9": 16 / 9, "2:1": 2.0}
RESOLUTIONS = {"Auto": 0, "512 px": 512, "1024 px": 1024, "2048 px": 2048, "4096 px": 4096}


def qimage_from(display_u8: np.ndarray) -> QImage:
    h, w = display_u8.shape[:2]
    image = QImage(display_u8.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()  # own the bytes


class Handle(QGraphicsEllipseItem):
    RADIUS = 7.0

    def __init__(self, index: int, canvas: QtPhotoCanvas) -> None:
        r = self.RADIUS
        super().__init__(-r, -r, 2 * r, 2 * r)
        self.index = index
        self.canvas = canvas
        self.setBrush(QBrush(QColor("#3d8ee6")))
        self.setPen(QPen(QColor("white"), 2))
        self.setZValue(10)
        self.setCursor(Qt.CursorShape.SizeAllCursor)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
        )
        self.setToolTip("Drag this corner onto a corner of the surface; the quad becomes the texture.")

    def mouseMoveEvent(self, event):  # noqa: N802 - Qt override
        # No itemChange override: PySide6 mis-counts references of the values it passes there.
        super().mouseMoveEvent(event)
        rect = self.canvas.image_rect
        if rect is not None:
            pos = self.pos()
            clamped = QPointF(min(max(pos.x(), rect.left()), rect.right()),
                              min(max(pos.y(), rect.top()), rect.bottom()))
            if clamped != pos:
                self.setPos(clamped)
        self.canvas.update_outline()

    def mouseReleaseEvent(self, event):  # noqa: N802 - Qt override
        super().mouseReleaseEvent(event)
        self.canvas.commit_corners()


class CanvasView(QGraphicsView):
    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QColor("#1a1c20"))

    def wheelEvent(self, event):  # noqa: N802 - Qt override
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.scale(factor, factor)

    def fit(self) -> None:
        rect = self.sceneRect()
        if rect.width() > 0 and rect.height() > 0:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event):  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit()


class QtPhotoCanvas(QWidget):
    edit_failed = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.image_rect: QRectF | None = None
        self._photo_id: str | None = None
        self._pixmap_source: tuple[str, object] | None = None

        self.scene = QGraphicsScene(self)
        self.view = CanvasView(self.scene)
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.pixmap_item)
        self.shade = QGraphicsPathItem()
        self.shade.setBrush(QColor(0, 0, 0, 120))
        self.shade.setPen(QPen(Qt.PenStyle.NoPen))
        self.outline = QGraphicsPathItem()
        self.outline.setPen(QPen(QColor("#3d8ee6"), 0))
        self.scene.addItem(self.shade)
        self.scene.addItem(self.outline)
        self.handles = [Handle(i, self) for i in range(4)]
        for handle in self.handles:
            self.scene.addItem(handle)

        self.preview = QCheckBox("Preview result")
        self.preview.setToolTip("Show the cropped and rectified photo the engine will receive.")
        self.aspect = QComboBox()
        self.aspect.addItems(list(ASPECTS))
        self.aspect.setToolTip("Aspect ratio of the rectified texture; 'From corners' measures the quad.")
        self.resolution = QComboBox()
        self.resolution.addItems(list(RESOLUTIONS))
        self.resolution.setToolTip("Longer side of the rectified texture in pixels; 'Auto' keeps the "
                                   "photo's own detail.")
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Use the whole photo again (undoable).")
        self.size_label = QLabel()
        self.size_label.setObjectName("hint")
        self.hint = QLabel("Drag the four blue corners onto the surface to crop and straighten it. "
                           "Scroll to zoom, drag the background to pan.")
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Aspect"))
        bar.addWidget(self.aspect)
        bar.addWidget(QLabel("Resolution"))
        bar.addWidget(self.resolution)
        bar.addWidget(self.reset)
        bar.addWidget(self.preview)
        bar.addStretch(1)
        bar.addWidget(self.size_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)

        self.preview.toggled.connect(lambda _: self.refresh(force=True))
        self.aspect.activated.connect(lambda _: self.commit_corners())
        self.resolution.activated.connect(lambda _: self.commit_corners())
        self.reset.clicked.connect(self.reset_edit)
        self._subs = [
            session.subscribe("current_changed", lambda _pid: self.refresh(force=True)),
            session.subscribe("photo_changed", self._on_photo_changed),
        ]
        self.refresh(force=True)

    def close_subscriptions(self) -> None:
        for unsubscribe in self._subs:
            unsubscribe()
        self._subs = []

    def _on_photo_changed(self, photo_id: str) -> None:
        if photo_id == self.session.current_id:
            self.refresh()

    # -- drawing ------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        photo = self.session.current
        editing = photo is not None and not self.preview.isChecked()
        for item in (*self.handles, self.shade, self.outline):
            item.setVisible(editing)
        for widget in (self.aspect, self.resolution, self.reset, self.preview):
            widget.setEnabled(photo is not None)
        if photo is None:
            self.pixmap_item.setPixmap(QPixmap())
            self.image_rect = None
            self.size_label.setText("")
            self._pixmap_source = None
            return
        source = photo.prepared() if self.preview.isChecked() else photo.pixels
        key = (photo.id, id(source))
        if force or key != self._pixmap_source:
            self._pixmap_source = key
            h, w = source.shape[:2]
            step = max(1, int(np.ceil(max(h, w) / DISPLAY_MAX)))
            pixmap = QPixmap.fromImage(qimage_from(to_display(source[::step, ::step])))
            self.pixmap_item.setPixmap(pixmap)
            self.pixmap_item.setScale(step)
            self.image_rect = QRectF(0, 0, w, h)
            self.scene.setSceneRect(self.image_rect.adjusted(-40, -40, 40, 40))
            if force:
                self.view.fit()
        if editing:
            self._place_handles(photo.rectification)
        out_w, out_h = photo.rectification.output_size(photo.pixels.shape[1], photo.pixels.shape[0])
        self.size_label.setText(f"Output {out_w} × {out_h} px")
        self._sync_combos(photo.rectification)

    def _place_handles(self, rect: Rectification) -> None:
        h, w = self.session.current.pixels.shape[:2]
        for handle, (x, y) in zip(self.handles, rect.corners, strict=True):
            handle.setPos(QPointF(x * w, y * h))
        self.update_outline()

    def update_outline(self) -> None:
        if self.image_rect is None:
            return
        quad = QPolygonF([h.pos() for h in self.handles])
        path = QPainterPath()
        path.addPolygon(quad)
        path.closeSubpath()
        self.outline.setPath(path)
        outside = QPainterPath()
        outside.addRect(self.image_rect)
        self.shade.setPath(outside.subtracted(path))

    def _sync_combos(self, rect: Rectification) -> None:
        longest = max(rect.out_width, rect.out_height)
        res_name = next((k for k, v in RESOLUTIONS.items() if v == longest), "Auto")
        self.resolution.setCurrentText(res_name)
        if rect.out_width and rect.out_height:
            ratio = rect.out_width / rect.out_height
            name = next((k for k, v in ASPECTS.items() if v and abs(v - ratio) < 0.01), None)
            if name:
                self.aspect.setCurrentText(name)

    # -- editing -----------------------------------------------------------------------------
    def current_corners(self) -> tuple:
        h, w = self.session.current.pixels.shape[:2]
        return tuple((round(p.pos().x() / w, 5), round(p.pos().y() / h, 5)) for p in self.handles)

    def corners_rectification(self, corners: tuple) -> Rectification:
        photo = self.session.current
        h, w = photo.pixels.shape[:2]
        aspect = ASPECTS[self.aspect.currentText()]
        longest = RESOLUTIONS[self.resolution.currentText()]
        auto_w, auto_h = Rectification(corners).output_size(w, h)
        if aspect is None and not longest:
            return Rectification(corners)
        ratio = aspect or auto_w / max(auto_h, 1)
        side = longest or max(auto_w, auto_h)
        out_w, out_h = (side, round(side / ratio)) if ratio >= 1 else (round(side * ratio), side)
        return Rectification(corners, max(1, out_w), max(1, out_h))

    def commit_corners(self) -> None:
        photo = self.session.current
        if photo is None:
            return
        corners = self.current_corners() if not self.preview.isChecked() else photo.rectification.corners
        try:
            check_corners(np.array(corners))
            rect = self.corners_rectification(corners)
            if rect == Rectification() or (np.allclose(corners, FULL) and rect.out_width == 0):
                rect = Rectification()
            self.session.set_rectification(photo.id, rect)
        except ValueError as error:
            self.edit_failed.emit(str(error).capitalize() + ".")
            self._place_handles(photo.rectification)

    def reset_edit(self) -> None:
        photo = self.session.current
        if photo is not None:
            self.aspect.setCurrentIndex(0)
            self.resolution.setCurrentIndex(0)
            self.session.set_rectification(photo.id, None)
