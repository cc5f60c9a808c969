"""The Qt widget: GL in a dock, mouse light/orbit, re-parenting, and the no-GL fallback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.qt
PROBE = Path(__file__).with_name("widget_probe.py")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def probe():
    """Run widget_probe.py on the X server (xcb platform) and return its JSON report."""
    if not os.environ.get("DISPLAY"):
        pytest.skip("QOpenGLWidget needs an X server: run the tests under xvfb-run -a")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(PROBE)], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE-JSON ")]
    assert proc.returncode == 0 and lines, f"probe failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    report = json.loads(lines[-1][len("PROBE-JSON ") :])
    if report["initial"]["fallback"]:
        pytest.skip(f"no OpenGL 3.3 through Qt here ({report['fallback']['reason']})")
    return report


def test_widget_draws_in_a_dock(probe):
    first = probe["initial"]
    assert first["init_count"] == 1 and first["frames"] >= 1 and first["error"] == ""
    assert first["image"]["width"] > 100 and first["image"]["std"] > 5.0  # a lit picture, not a clear colour


def test_dragging_moves_the_point_light_over_the_surface(probe):
    drag = probe["drag"]
    x, y, z = drag["light"]
    assert x < -0.5 and abs(y) < 0.1 and z == pytest.approx(1.0)
    assert drag["signals"] >= 1
    assert drag["image"]["left"] > drag["image"]["right"] + 5.0  # light on the left: left half brighter


def test_wheel_raises_the_light(probe):
    assert probe["wheel"]["light"][2] == pytest.approx(1.0 * 1.1**2)


def test_every_shape_and_lighting_draws(probe):
    for name, frame in probe["frames"].items():
        assert frame["error"] == "", name
        assert frame["std"] > 5.0, name


def test_floating_the_dock_recreates_the_context_and_keeps_drawing(probe):
    floated = probe["floated"]
    assert floated["init_after"] > floated["init_before"]
    assert not floated["fallback"] and floated["error"] == ""
    assert floated["image"]["std"] > 5.0
    assert probe["docked_again"]["image"]["std"] > 5.0


def test_without_gl_the_widget_shows_the_engine_preview(probe):
    fallback = probe["fallback"]
    assert fallback["using"] and "simulated" in fallback["reason"]
    assert fallback["image"]["width"] == 32 and fallback["image"]["std"] > 1.0


def test_forced_fallback_in_process(qtbot):
    from app.viewport import QtViewport
    from app.viewport.qt_fallback import engine_preview

    view = QtViewport(force_fallback=True)
    qtbot.addWidget(view)
    rng = np.random.default_rng(1)
    maps = {"diffuse": rng.random((16, 16, 3)).astype(np.float32)}
    view.set_maps(maps)
    assert view.using_fallback and "OpenGL 3.3" in view._fallback.notice.text()
    image = view.grab_image()
    assert (image.width(), image.height()) == (16, 16)
    preview = engine_preview(view._maps)
    assert preview.shape == (16, 16, 3) and 0.0 <= preview.min() and preview.max() <= 1.0
    # the preview follows the diffuse map (brighter diffuse, brighter pixel)
    corr = np.corrcoef(preview.mean(-1).ravel(), maps["diffuse"].mean(-1).ravel())[0, 1]
    assert corr > 0.9


def test_update_settings_validates_and_keeps_old_values(qtbot):
    from app.viewport import QtViewport

    view = QtViewport(force_fallback=True)
    qtbot.addWidget(view)
    view.update_settings(tiling=4, shape="cube")
    assert view.settings.tiling == 4 and view.settings.shape == "cube"
    with pytest.raises(ValueError, match="tiling"):
        view.update_settings(tiling=9)
    assert view.settings.tiling == 4
