"""Screenshots of the app's main states, for docs/screenshots/app_*.png (needs an X server):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tests/app/screenshots.py [out_dir]

Runs the real worker with the tiny fake estimate job (there is no trained embedded model yet); for
the results shot the maps are replaced by the procedural ground truth the sample photo was
rendered from, so the views show what a good estimate looks like.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEAMWORK_STUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="tw-shots-config-"))
FAKE_JOB = "tests.app.fake_jobs:fake_estimate"


def main(out: Path) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.gui import configure_gl_format

    configure_gl_format()
    app = QApplication(["teamwork-studio"])
    from app.gui import create_window
    from app.qt_worker_bridge import QtWorkerBridge

    out.mkdir(parents=True, exist_ok=True)
    bridge = QtWorkerBridge(job=FAKE_JOB)
    bridge.start()
    app, window = create_window([], bridge=bridge)
    window.confirm_discard = lambda: True
    window.resize(1560, 960)
    window.move(20, 20)

    def pump(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def wait(condition, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            pump(0.02)

    def shot(name: str, whole_screen: bool = False) -> None:
        pump(0.6)
        pixmap = app.primaryScreen().grabWindow(0) if whole_screen else window.grab()
        pixmap.save(str(out / f"app_{name}.png"))
        print("saved", out / f"app_{name}.png")

    shot("welcome")

    window.open_sample()
    photo = window.session.current
    h, w = photo.pixels.shape[:2]
    corners = [(0.12, 0.10), (0.90, 0.16), (0.86, 0.90), (0.08, 0.84)]
    for handle, (x, y) in zip(window.canvas.handles, corners, strict=True):
        handle.setPos(QPointF(x * w, y * h))
    window.canvas.update_outline()
    shot("rectify")
    window.canvas.reset_edit()

    window.session.set_options(steps=400)
    window.run_current()
    wait(lambda: window.task_panel.progress.value() > 300)
    shot("running")
    window.runner.cancel()
    wait(lambda: not window.runner.running)

    window.session.set_options(steps=3)
    window.run_current()
    wait(lambda: photo.status == "done")
    from app.session import Result

    window.session.set_result(photo.id, Result(ground_truth(h), "svbrdf", "embedded", [], 2.4))
    wait(lambda: window.results.complete)
    shot("results")

    dialog = window.export_dialog()
    dialog.folder.setText(str(Path.home() / "Textures"))
    dialog.move(window.x() + 500, window.y() + 250)
    shot("export", whole_screen=True)
    dialog.reject()

    # a batch with every status, and the error of a worker killed mid-run
    window.add_photos([ROOT / "assets" / "samples" / "flash_wood_planks.png"])  # already there: no-op
    extra = make_variants(Path(tempfile.mkdtemp(prefix="tw-shots-")))
    window.add_photos(extra)
    window.session.set_options(steps=300)
    window.docks["batch"].raise_()
    window.run_all()
    first = window.session.photo(window.session.photos[1].id)
    wait(lambda: first.status == "running" and window.task_panel.progress.value() > 0)
    pump(0.5)
    os.kill(bridge.client.worker_pid, signal.SIGKILL)
    wait(lambda: first.status == "failed")
    window.runner.cancel()
    wait(lambda: not window.runner.running)
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    box.move(window.x() + 560, window.y() + 330)
    shot("error", whole_screen=True)
    box.close()
    window.session.select(window.session.photos[0].id)
    shot("batch")

    about = window.show_about()
    about.move(window.x() + 480, window.y() + 180)
    shot("about", whole_screen=True)
    about.reject()
    window.close()
    bridge.shutdown()


def ground_truth(size: int) -> dict:
    import numpy as np

    from engine.materials.generator import generate_material

    maps = generate_material("wood_planks", size, seed=7)
    return {k: v[0].permute(1, 2, 0).numpy().astype(np.float32) for k, v in maps.items()
            if k in ("diffuse", "specular", "roughness", "normals")}


def make_variants(folder: Path) -> list[Path]:
    """Three crops of the sample, so the batch has several photos."""
    import cv2

    image = cv2.imread(str(ROOT / "assets" / "samples" / "flash_wood_planks.png"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (y, x) in enumerate(((0, 0), (200, 150), (300, 300))):
        path = folder / f"floor_{index + 1}.png"
        cv2.imwrite(str(path), image[y:y + 420, x:x + 420])
        paths.append(path)
    return paths


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
