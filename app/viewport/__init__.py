"""The relighting viewport (issue 8): material maps on a shape, lit by the engine's GGX model.

Public API (stable; the GUI binds to these names):

- ``render_offscreen(maps, mode="flash", fov_degrees=45, size=(W, H), *, settings=None,
  display=False) -> np.ndarray (H, W, 3) float32`` - Qt-free, standalone EGL context.
- ``ViewportSettings`` - plain dataclass of everything the viewport draws with (shape, camera,
  lighting, environment, tiling, exposure, tone map, normal strength and convention, view mode,
  parallax); ``validate()``, ``to_dict()`` / ``from_dict()``. Choice lists: ``SHAPES``,
  ``LIGHTINGS``, ``VIEW_MODES``, ``CAMERAS``, ``NORMAL_CONVENTIONS``, ``TONEMAPS``.
- ``available_environments() -> list[str]`` - the bundled HDRI names.
- ``gl_available() -> bool`` and ``ViewportUnavailable`` - offscreen GL probe / its error.
- ``QtViewport`` (lazy: importing this package does not import Qt) - the dock widget, a QWidget:
  ``QtViewport(parent=None, settings=None, force_fallback=False)``;
  ``set_maps(maps)``, ``clear_maps()``, ``settings`` (a copy), ``set_settings(s)``,
  ``update_settings(**changes)``, ``grab_image() -> QImage``, ``using_fallback``,
  ``fallback_reason``; Signal ``settingsChanged(object)`` (emitted when the mouse moves the light
  or the camera, with the new ``ViewportSettings``). Mouse: left drag moves the point light over
  the surface (rotates the HDRI in environment lighting), right or middle drag orbits the camera,
  wheel changes the light height (shift+wheel zooms). Without OpenGL 3.3 it shows a notice and a
  2D preview rendered by ``engine.materials.render_flash``.
- ``configure_default_format()`` - call before the QApplication exists (3.3 core, depth 24).
"""

from __future__ import annotations

from typing import Any

from app.viewport.environment import available_environments
from app.viewport.offscreen import ViewportUnavailable, gl_available, render_offscreen
from app.viewport.settings import (
    CAMERAS,
    LIGHTINGS,
    NORMAL_CONVENTIONS,
    SHAPES,
    TONEMAPS,
    VIEW_MODES,
    ViewportSettings,
)

__all__ = [
    "CAMERAS",
    "LIGHTINGS",
    "NORMAL_CONVENTIONS",
    "SHAPES",
    "TONEMAPS",
    "VIEW_MODES",
    "QtViewport",
    "ViewportSettings",
    "ViewportUnavailable",
    "available_environments",
    "configure_default_format",
    "gl_available",
    "render_offscreen",
]


def __getattr__(name: str) -> Any:
    # Qt stays out of ``import app.viewport`` so render_offscreen works without a QApplication.
    if name in ("QtViewport", "configure_default_format"):
        from app.viewport import qt_viewport

        return getattr(qt_viewport, name)
    raise AttributeError(f"module 'app.viewport' has no attribute {name!r}")
