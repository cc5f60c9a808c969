"""``QtViewport``: the dock widget - a QOpenGLWidget hosting moderngl, or the 2D fallback.

The moderngl context is created in ``initializeGL`` (once Qt has a GL context) and Qt's framebuffer
is wrapped every frame with ``ctx.detect_framebuffer(defaultFramebufferObject())``. Re-parenting a
QOpenGLWidget into another top-level window (floating a dock) destroys its context: the renderer is
released on ``aboutToBeDestroyed`` and rebuilt by the next ``initializeGL`` from the kept maps.
Call ``configure_default_format()`` before the QApplication exists (PLATFORM.md).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from typing import Any

import moderngl
import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QMouseEvent, QSurfaceFormat, QWheelEvent
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QStackedLayout, QWidget

from app.viewport.camera import CameraPose, intersect_shape
from app.viewport.maps import prepare_maps
from app.viewport.qt_fallback import QtViewportFallback
from app.viewport.renderer import ViewportRenderer
from app.viewport.settings import ViewportSettings

log = logging.getLogger(__name__)

ORBIT_DEGREES_PER_PIXEL = 0.4
ENV_DEGREES_PER_PIXEL = 0.5
WHEEL_STEP = 1.1  # light height / zoom factor per wheel notch


def surface_format() -> QSurfaceFormat:
    fmt = QSurfaceFormat()
    fmt.setRenderableType(QSurfaceFormat.RenderableType.OpenGL)
    fmt.setVersion(3, 3)
    fmt.setProfile(QSurfaceFormat.OpenGLContextProfile.CoreProfile)
    fmt.setDepthBufferSize(24)
    return fmt


def configure_default_format() -> None:
    """Ask Qt for OpenGL 3.3 core contexts; call before the QApplication is created."""
    QSurfaceFormat.setDefaultFormat(surface_format())


class _GLView(QOpenGLWidget):
    """The GL surface; all state lives in the owning ``QtViewport``."""

    def __init__(self, owner: QtViewport) -> None:
        super().__init__(owner)
        self.owner = owner
        self.setFormat(surface_format())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.renderer: ViewportRenderer | None = None
        self.ctx: moderngl.Context | None = None
        self.pose: CameraPose | None = None
        self.maps_dirty = True
        self.init_count = 0
        self.frames = 0
        self._drag: tuple[Qt.MouseButton, QPointF] | None = None

    # -- GL lifecycle ------------------------------------------------------------------------------
    def initializeGL(self) -> None:  # noqa: N802 - Qt override
        self.init_count += 1
        try:
            self.ctx = moderngl.create_context(require=330)
            self.renderer = ViewportRenderer(self.ctx)
        except Exception as exc:  # noqa: BLE001 - any failure here means "no usable GL"
            log.warning("viewport: OpenGL unavailable (%s)", exc)
            self.renderer = None
            reason = str(exc)
            QTimer.singleShot(0, lambda: self.owner.use_fallback(reason))
            return
        self.maps_dirty = True
        self.context().aboutToBeDestroyed.connect(self._release)
        log.info("viewport: GL context %s", self.ctx.info.get("GL_RENDERER", "?"))

    def _release(self) -> None:
        if self.renderer is None:
            return
        self.makeCurrent()
        try:
            self.renderer.release()
        finally:
            self.renderer = None
            self.ctx = None
            self.doneCurrent()

    def paintGL(self) -> None:  # noqa: N802 - Qt override
        if self.renderer is None or self.ctx is None:
            return
        if self.maps_dirty:
            self.renderer.set_maps(self.owner.maps_or_default())
            self.maps_dirty = False
        ratio = self.devicePixelRatioF()
        size = (max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        fbo = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
        try:
            self.pose = self.renderer.render(self.owner.settings, fbo, size)
        except Exception as exc:  # noqa: BLE001 - a bad HDRI or map must not kill the paint loop
            log.exception("viewport: frame failed")
            self.owner.render_error = str(exc)
            return
        self.owner.render_error = ""
        self.frames += 1

    # -- interaction -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._drag = (event.button(), event.position())
        if event.button() == Qt.MouseButton.LeftButton:
            self._left_drag(event.position(), event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._drag is None:
            return
        button, last = self._drag
        pos = event.position()
        self._drag = (button, pos)
        if button == Qt.MouseButton.LeftButton:
            self._left_drag(last, pos)
        elif button in (Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton):
            self._orbit(pos.x() - last.x(), pos.y() - last.y())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._drag = None

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        notches = event.angleDelta().y() / 120.0
        if notches == 0:
            return
        factor = WHEEL_STEP ** (
            -notches if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else notches
        )
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            s = self.owner.settings
            self.owner.update_settings(camera_distance=min(max(s.camera_distance * factor, 1.2), 30.0))
        else:
            self.owner.update_settings(light_position=light_height_scaled(self.owner.settings, factor))
        self.owner.emit_changed()

    def _left_drag(self, last: QPointF, pos: QPointF) -> None:
        s = self.owner.settings
        if s.lighting == "environment":
            rotation = (s.environment_rotation + (pos.x() - last.x()) * ENV_DEGREES_PER_PIXEL) % 360.0
            self.owner.update_settings(environment_rotation=rotation)
        elif s.lighting == "point":
            light = self.light_under(pos)
            if light is None:
                return
            self.owner.update_settings(light_position=light)
        else:
            self._orbit(pos.x() - last.x(), pos.y() - last.y())
            return
        self.owner.emit_changed()

    def _orbit(self, dx: float, dy: float) -> None:
        s = self.owner.settings
        pitch = min(max(s.camera_pitch + dy * ORBIT_DEGREES_PER_PIXEL, -89.0), 89.0)
        yaw = (s.camera_yaw - dx * ORBIT_DEGREES_PER_PIXEL) % 360.0
        self.owner.update_settings(camera="orbit", camera_yaw=yaw, camera_pitch=pitch)
        self.owner.emit_changed()

    def light_under(self, pos: QPointF) -> tuple[float, float, float] | None:
        """The light position that puts the point light over the surface point under ``pos``."""
        if self.pose is None or self.width() <= 0 or self.height() <= 0:
            return None
        x = 2.0 * pos.x() / self.width() - 1.0
        y = 1.0 - 2.0 * pos.y() / self.height()
        origin, direction = self.pose.ray(x, y)
        s = self.owner.settings
        hit = intersect_shape(s.shape, origin, direction)
        if hit is None:
            return None
        if s.shape == "plane":
            height = max(float(s.light_position[2]), 0.05)
            return (float(hit[0]), float(hit[1]), height)
        radius = max(float(np.linalg.norm(s.light_position)), 1.05)
        unit = hit / np.linalg.norm(hit)
        return tuple(float(v) for v in unit * radius)


def light_height_scaled(settings: ViewportSettings, factor: float) -> tuple[float, float, float]:
    """The light moved up/down by ``factor``: its z over the plane, its distance around other shapes."""
    x, y, z = (float(v) for v in settings.light_position)
    if settings.shape == "plane":
        return (x, y, min(max(z * factor, 0.02), 20.0))
    r = math.sqrt(x * x + y * y + z * z) or 1.0
    new_r = min(max(r * factor, 1.05), 20.0)
    return (x * new_r / r, y * new_r / r, z * new_r / r)


class QtViewport(QWidget):
    """The relighting viewport for a dock: see ``app/viewport/__init__.py`` for the API."""

    settingsChanged = Signal(object)  # noqa: N815 - Qt naming; carries a ViewportSettings copy

    def __init__(
        self,
        parent: QWidget | None = None,
        settings: ViewportSettings | None = None,
        force_fallback: bool = False,
    ) -> None:
        super().__init__(parent)
        self._settings = (settings or ViewportSettings()).validate()
        self._maps: dict[str, np.ndarray] | None = None
        self.render_error = ""
        self._stack = QStackedLayout(self)
        self._fallback = QtViewportFallback(self)
        self._gl: _GLView | None = None
        if force_fallback:
            self._stack.addWidget(self._fallback)
            self.use_fallback("disabled by the caller")
        else:
            self._gl = _GLView(self)
            self._stack.addWidget(self._gl)
            self._stack.addWidget(self._fallback)
        self.setMinimumSize(160, 120)

    # -- state -------------------------------------------------------------------------------------
    @property
    def settings(self) -> ViewportSettings:
        """The current settings (treat as read-only; change with ``set_settings``/``update_settings``)."""
        return self._settings

    def set_settings(self, settings: ViewportSettings) -> None:
        self._settings = dataclasses.replace(settings).validate()
        self._refresh()

    def update_settings(self, **changes: Any) -> ViewportSettings:
        """Change some fields (validated; a bad value raises ValueError and changes nothing)."""
        self._settings = dataclasses.replace(self._settings, **changes).validate()
        self._refresh()
        return self._settings

    def emit_changed(self) -> None:
        self.settingsChanged.emit(dataclasses.replace(self._settings))

    def set_maps(self, maps: Mapping[str, Any]) -> None:
        """Show new maps (numpy (H,W,C) or torch (B,C,H,W), see ``maps.prepare_maps``)."""
        self._maps = prepare_maps(maps)
        if self._gl is not None:
            self._gl.maps_dirty = True
        if self.using_fallback:
            self._fallback.set_maps(self._maps, self._settings.fov_degrees)
        self._refresh()

    def clear_maps(self) -> None:
        self._maps = None
        if self._gl is not None:
            self._gl.maps_dirty = True
        self._fallback.set_maps(None)
        self._refresh()

    def maps_or_default(self) -> dict[str, np.ndarray]:
        return self._maps if self._maps is not None else {"diffuse": np.full((4, 4, 3), 0.5, np.float32)}

    # -- fallback ----------------------------------------------------------------------------------
    @property
    def using_fallback(self) -> bool:
        return self._stack.currentWidget() is self._fallback

    @property
    def fallback_reason(self) -> str:
        return self._fallback.reason if self.using_fallback else ""

    def use_fallback(self, reason: str) -> None:
        """Switch to the notice + engine preview (called when GL 3.3 cannot be used)."""
        self._fallback.set_reason(reason)
        self._stack.setCurrentWidget(self._fallback)
        self._fallback.set_maps(self._maps, self._settings.fov_degrees)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        QTimer.singleShot(0, self._check_gl)

    def _check_gl(self) -> None:
        gl = self._gl
        if gl is None or self.using_fallback or not gl.isVisible():
            return
        if gl.init_count > 0 and gl.renderer is None and not gl.isValid():
            self.use_fallback("no OpenGL context could be created")

    # -- output ------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        if self._gl is not None and not self.using_fallback:
            self._gl.update()

    def grab_image(self) -> QImage:
        """What the viewport shows now, as a QImage (renders a frame if needed)."""
        if self.using_fallback or self._gl is None:
            return self._fallback.image()
        return self._gl.grabFramebuffer()

    @property
    def gl_view(self) -> QOpenGLWidget | None:
        """The GL surface (None in forced fallback), e.g. for tests and screenshots."""
        return self._gl
