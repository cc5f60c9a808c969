"""Drive ``QtViewport`` in a real X/GL window and print what happened as JSON (run as a script).

The viewport tests run this in a subprocess because tests/app/conftest.py selects Qt's offscreen
platform for the app tests, where QOpenGLWidget does not draw (PLATFORM.md); here the platform is
xcb under the caller's DISPLAY (xvfb-run).
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ["QT_QPA_PLATFORM"] = "xcb"


def pump(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def image_stats(img) -> dict:
    import numpy as np

    img = img.convertToFormat(img.Format.Format_RGB888)
    w, h = img.width(), img.height()
    if w == 0 or h == 0:
        return {"width": w, "height": h, "std": 0.0, "mean": [0, 0, 0]}
    arr = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    arr = arr.reshape(h, img.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).astype(float)
    return {
        "width": w,
        "height": h,
        "std": float(arr.std()),
        "mean": arr.mean(axis=(0, 1)).tolist(),
        "left": float(arr[:, : w // 2].mean()),
        "right": float(arr[:, w // 2 :].mean()),
    }


def main() -> int:
    from app.viewport import configure_default_format

    configure_default_format()
    import numpy as np
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent, QWheelEvent
    from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

    from app.viewport import QtViewport, ViewportSettings

    app = QApplication(["probe"])
    out: dict = {}
    win = QMainWindow()
    dock = QDockWidget("Viewport", win)
    view = QtViewport(
        settings=ViewportSettings(camera="photo", lighting="point", light_position=(0.0, 0.0, 1.0))
    )
    changes: list = []
    view.settingsChanged.connect(changes.append)
    dock.setWidget(view)
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    win.resize(420, 320)
    win.show()
    rng = np.random.default_rng(0)
    maps = {
        "diffuse": np.full((32, 32, 3), 0.6, np.float32),
        "specular": np.full((32, 32, 3), 0.04, np.float32),
        "roughness": np.full((32, 32, 1), 0.4, np.float32),
        "normals": np.dstack([rng.normal(0, 0.05, (32, 32, 2)), np.ones((32, 32))]).astype(np.float32),
    }
    view.set_maps(maps)
    pump(app)
    gl = view.gl_view
    out["initial"] = {
        "init_count": gl.init_count,
        "frames": gl.frames,
        "fallback": view.using_fallback,
        "error": view.render_error,
        "image": image_stats(view.grab_image()),
    }

    # drag the light to the left part of the plane: the left half gets brighter than the right
    w, h = gl.width(), gl.height()
    for kind, pos in (
        (QEvent.Type.MouseButtonPress, QPointF(w * 0.2, h * 0.5)),
        (QEvent.Type.MouseMove, QPointF(w * 0.15, h * 0.5)),
        (QEvent.Type.MouseButtonRelease, QPointF(w * 0.15, h * 0.5)),
    ):
        buttons = (
            Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
        )
        event = QMouseEvent(
            kind, pos, gl.mapToGlobal(pos), Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(gl, event)
    pump(app, 0.2)
    out["drag"] = {
        "light": list(view.settings.light_position),
        "signals": len(changes),
        "image": image_stats(view.grab_image()),
    }
    wheel = QWheelEvent(
        QPointF(w / 2, h / 2),
        gl.mapToGlobal(QPointF(w / 2, h / 2)),
        QPointF(0, 0).toPoint(),
        QPointF(0, 240).toPoint(),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(gl, wheel)
    out["wheel"] = {"light": list(view.settings.light_position)}

    # every shape, lighting and view mode draws without raising
    frames = {}
    for shape in ("plane", "sphere", "cube", "cylinder"):
        for lighting in ("point", "flash", "environment"):
            view.update_settings(shape=shape, lighting=lighting, camera="orbit")
            img = image_stats(view.grab_image())
            frames[f"{shape}-{lighting}"] = {"std": img["std"], "error": view.render_error}
    out["frames"] = frames

    # float the dock (re-parenting to a new top-level window recreates the GL context)
    before = gl.init_count
    dock.setFloating(True)
    pump(app, 0.5)
    view.update_settings(shape="sphere", lighting="flash")
    out["floated"] = {
        "init_before": before,
        "init_after": gl.init_count,
        "error": view.render_error,
        "image": image_stats(view.grab_image()),
        "fallback": view.using_fallback,
    }
    dock.setFloating(False)
    pump(app, 0.3)
    out["docked_again"] = {"init_after": gl.init_count, "image": image_stats(view.grab_image())}

    # no usable GL: the widget falls back to the notice and the engine preview
    import app.viewport.qt_viewport as qv

    def no_gl(*args, **kwargs):
        raise RuntimeError("OpenGL 3.3 is not supported (simulated)")

    qv.moderngl.create_context = no_gl
    other = QtViewport()
    other.set_maps(maps)
    other.resize(300, 200)
    other.show()
    pump(app, 0.5)
    out["fallback"] = {
        "using": other.using_fallback,
        "reason": other.fallback_reason,
        "image": image_stats(other.grab_image()),
    }
    print("PROBE-JSON " + json.dumps(out))
    win.close()
    other.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
