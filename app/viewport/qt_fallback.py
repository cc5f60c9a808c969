"""What the viewport shows without OpenGL 3.3: a notice and a 2D preview by the engine renderer."""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

PREVIEW_SIZE = 512
NOTICE = (
    "The 3D viewport needs OpenGL 3.3, which is not available here ({reason}). "
    "Showing a flat preview rendered by the engine (colocated flash) instead."
)


def engine_preview(maps: dict[str, np.ndarray], fov_degrees: float = 45.0) -> np.ndarray:
    """The flash photo of ``maps`` by ``engine.materials.render_flash``, as display sRGB (H, W, 3)."""
    import torch

    from engine.materials import render_flash

    h, w = maps["diffuse"].shape[:2]
    step = max(1, int(np.ceil(max(h, w) / PREVIEW_SIZE)))
    tensors = {
        k: torch.from_numpy(np.ascontiguousarray(maps[k][::step, ::step])).permute(2, 0, 1)[None]
        for k in ("diffuse", "specular", "roughness", "normals")
    }
    linear = render_flash(tensors, fov_degrees)[0].permute(1, 2, 0).clamp(0, 1).numpy()
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(linear, 1 / 2.4) - 0.055)


def to_qimage(image: np.ndarray) -> QImage:
    """(H, W, 3) floats in [0, 1] as an 8-bit RGB QImage (owning a copy of the pixels)."""
    rgb8 = np.ascontiguousarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8))
    h, w, _ = rgb8.shape
    return QImage(rgb8.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class QtViewportFallback(QWidget):
    """The notice and the engine-rendered preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview = QLabel(self)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(64, 64)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.preview, 1)
        self.reason = ""

    def set_reason(self, reason: str) -> None:
        self.reason = reason
        self.notice.setText(NOTICE.format(reason=reason))

    def set_maps(self, maps: dict[str, np.ndarray] | None, fov_degrees: float = 45.0) -> None:
        if maps is None:
            self.preview.clear()
            return
        try:
            image = engine_preview(maps, fov_degrees)
        except Exception as exc:  # noqa: BLE001 - the preview is best effort; say why it is missing
            log.exception("viewport: the fallback preview failed")
            self.preview.setText(f"No preview: {exc}")
            return
        self.preview.setPixmap(QPixmap.fromImage(to_qimage(image)))

    def image(self) -> QImage:
        pixmap = self.preview.pixmap()
        return pixmap.toImage() if pixmap is not None and not pixmap.isNull() else QImage()
