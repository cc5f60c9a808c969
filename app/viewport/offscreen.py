"""Rendering without a window: a standalone EGL context, shared by tests, thumbnails and benchmarks.

Qt-free. The context and its renderer are created on first use and kept for the process.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping
from typing import Any

import moderngl
import numpy as np

from app.viewport.camera import camera_pose
from app.viewport.renderer import ViewportRenderer
from app.viewport.settings import ViewportSettings

log = logging.getLogger(__name__)

MODES = ("flash", "point", "environment")
MAX_SIZE = 8192

_lock = threading.Lock()
_state: dict[str, Any] = {}


class ViewportUnavailable(RuntimeError):
    """No OpenGL 3.3 context could be created for offscreen rendering."""


def standalone_renderer() -> ViewportRenderer:
    """The process-wide offscreen renderer (EGL first, then the platform default backend)."""
    if "renderer" in _state:
        return _state["renderer"]
    errors = []
    for kwargs in ({"backend": "egl"}, {}):
        try:
            ctx = moderngl.create_standalone_context(require=330, **kwargs)
            break
        except Exception as exc:  # noqa: BLE001 - any backend failure means "try the next"
            errors.append(f"{kwargs.get('backend', 'default')}: {exc}")
    else:
        raise ViewportUnavailable(
            "No OpenGL 3.3 context is available for offscreen rendering (" + "; ".join(errors) + ")."
        )
    try:
        renderer = ViewportRenderer(ctx)
    except Exception as exc:
        ctx.release()
        raise ViewportUnavailable(f"The viewport shaders could not be built on this OpenGL ({exc}).") from exc
    log.info("viewport: offscreen context %s", ctx.info.get("GL_RENDERER", "?"))
    _state["renderer"] = renderer
    return renderer


def _framebuffer(ctx: moderngl.Context, size: tuple[int, int]) -> moderngl.Framebuffer:
    """A float RGBA + depth framebuffer of ``size``, kept for the next call of the same size."""
    cached = _state.get("fbo")
    if cached is not None and cached[0] == size:
        return cached[1]
    if cached is not None:
        ctx.detect_framebuffer(0).use()  # never leave a released framebuffer bound
        for obj in cached[1:]:
            obj.release()
    colour = ctx.texture(size, 4, dtype="f4")
    depth = ctx.depth_renderbuffer(size)
    fbo = ctx.framebuffer(color_attachments=[colour], depth_attachment=depth)
    _state["fbo"] = (size, fbo, colour, depth)
    return fbo


def gl_available() -> bool:
    """Whether offscreen rendering works here (creates the context on first call)."""
    try:
        standalone_renderer()
    except ViewportUnavailable:
        return False
    return True


def render_offscreen(
    maps: Mapping[str, Any],
    mode: str = "flash",
    fov_degrees: float = 45,
    size: tuple[int, int] | None = None,
    *,
    settings: ViewportSettings | None = None,
    display: bool = False,
) -> np.ndarray:
    """Render ``maps`` without a window; returns (H, W, 3) float32, row 0 at the top.

    ``maps``: the convention of ``engine.materials.render_flash`` (numpy (H,W,C) or torch
    (B,C,H,W); batch row 0). ``mode``: "flash" (colocated flash), "point" or "environment".
    ``size``: (width, height), default the maps' size.
    Without ``settings``: the plane in the photo framing of MATERIALS.md, so "flash" reproduces
    ``render_flash(maps, fov_degrees)`` pixel for pixel. With ``settings``: that shape, camera and
    light, with ``mode`` and ``fov_degrees`` overriding its lighting and field of view.
    ``display=False`` gives linear, unclipped radiance; ``display=True`` the tone-mapped sRGB
    image the widget shows (values in [0, 1]).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}.")
    base = settings if settings is not None else ViewportSettings(shape="plane", camera="photo")
    chosen = dataclasses.replace(base, lighting=mode, fov_degrees=float(fov_degrees)).validate()
    with _lock:
        renderer = standalone_renderer()
        renderer.set_maps(maps)
        width, height = size if size is not None else renderer.map_size
        if not (0 < int(width) <= MAX_SIZE and 0 < int(height) <= MAX_SIZE):
            raise ValueError(f"size must be (width, height) within 1..{MAX_SIZE}, got {size}.")
        width, height = int(width), int(height)
        photo = chosen.camera == "photo"
        renderer.set_exact_texels(photo and (width, height) == renderer.map_size and chosen.tiling == 1)
        fbo = _framebuffer(renderer.ctx, (width, height))
        try:
            # the photo framing stretches the [-1,1]^2 plane over the whole image, like the engine
            pose = camera_pose(chosen, 1.0 if photo else width / height)
            renderer.render(chosen, fbo, (width, height), linear_output=not display, pose=pose)
            data = fbo.read(components=3, dtype="f4")
        finally:
            renderer.set_exact_texels(False)
    image = np.frombuffer(data, np.float32).reshape(height, width, 3)
    return np.ascontiguousarray(image[::-1])
