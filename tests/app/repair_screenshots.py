"""Screenshots of Repair region and Make tileable, for docs/screenshots/app_repair_*.png (needs an X
server for the GL viewport):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tests/app/repair_screenshots.py [out_dir]

The sample photo gets a dark stain; its result is the procedural ground truth the sample was rendered
from, cropped to the same window as the photo (so the maps do not tile) and stained alike. The
edits run in the real worker with the automatic method (OpenCV Telea while no embedded inpainting
model ships, which the page says).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEAMWORK_STUDIO_CONFIG_DIR", tempfile.mkdtemp(prefix="tw-shots-config-"))
FAKE_JOB = "tests.app.fake_jobs:fake_estimate"
CROP = (96, 48, 576, 528)  # x0, y0, x1, y1 in the 768 px sample: 480 x 480, not a period of the planks
STAIN = (300, 170, 46, 30)  # centre x, y and half axes in the crop, pixels


def stained_sample(folder: Path) -> Path:
    import cv2

    image = cv2.imread(str(ROOT / "assets" / "samples" / "flash_wood_planks.png"))
    x0, y0 = CROP[:2]
    cx, cy, ax, ay = STAIN
    cv2.ellipse(image, (x0 + cx, y0 + cy), (ax, ay), 20, 0, 360, (22, 30, 38), -1)
    path = folder / "stained_planks.png"
    cv2.imwrite(str(path), image)
    return path


def stained_maps() -> dict[str, np.ndarray]:
    import cv2

    from tests.app.screenshots import ground_truth

    x0, y0, x1, y1 = CROP
    maps = {k: np.ascontiguousarray(v[y0:y1, x0:x1]) for k, v in ground_truth(768).items()}
    stain = np.zeros(maps["diffuse"].shape[:2], np.uint8)
    cx, cy, ax, ay = STAIN
    cv2.ellipse(stain, (cx, cy), (ax, ay), 20, 0, 360, 1, -1)
    maps["diffuse"][stain > 0] = (0.02, 0.015, 0.01)
    maps["roughness"][stain > 0] = 0.9
    return maps


def main(out: Path) -> None:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtWidgets import QApplication

    from app.gui import configure_gl_format

    configure_gl_format()
    app = QApplication(["teamwork-studio"])
    from app.gui import create_window
    from app.qt_worker_bridge import QtWorkerBridge
    from app.rectify import Rectification
    from app.session import Result

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

    def wait(condition, timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            pump(0.02)
        if not condition():
            raise TimeoutError("the app did not get there in time")

    def shot(name: str) -> None:
        pump(0.8)
        path = out / f"app_{name}.png"
        window.grab().save(str(path))
        print("saved", path)

    window.add_photos([stained_sample(Path(tempfile.mkdtemp(prefix="tw-shots-")))])
    photo = window.session.current
    x0, y0, x1, y1 = (c / 768 for c in CROP)
    window.session.set_rectification(photo.id, Rectification.crop(x0, y0, x1, y1))
    window.session.set_options(steps=3)
    window.run_current()
    wait(lambda: photo.status == "done")
    window.session.set_result(photo.id, Result(stained_maps(), "svbrdf", "embedded", [], 2.4))
    wait(lambda: window.results.complete)

    window.show_repair(True)
    page = window.repair_page
    page.brush.setValue(34)
    cx, cy, ax, ay = STAIN
    for dy in range(-ay + 6, ay - 5, 12):  # scribble over the stain like a user would
        page.paint(QPointF(cx - ax + 4, cy + dy), QPointF(cx + ax - 4, cy + dy), erase=False)
    page.move_cursor(QPointF(cx + ax + 30, cy + ay + 20))
    window.docks["results"].raise_()
    shot("repair_mask")

    before = photo.result
    window.repair_region()
    wait(lambda: photo.result is not before and not window.editor.running)
    wait(lambda: window.results.complete)
    if "--check" in sys.argv:
        shot("repair_done")
    repaired = photo.result
    if window.viewport.viewport is not None:  # frame the plane closer, so the repeats are easy to see
        window.viewport.viewport.update_settings(camera_pitch=8.0, camera_distance=2.9)
    window.resizeDocks([window.docks["results"], window.docks["viewport"]], [760, 780],
                       Qt.Orientation.Horizontal)
    window.make_tileable()
    wait(lambda: photo.result is not repaired and not window.editor.running)
    wait(lambda: window.results.complete)
    shot("make_tileable")
    window.close()
    bridge.shutdown()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(Path(args[0]) if args else ROOT / "docs" / "screenshots")
