"""Repair region and Make tileable in the window, on the real worker process: paint a mask with the
mouse, repair (OpenCV Telea, fast), undo/redo, make tileable (viewport tiling x3), export the repaired
photo, cancel, and an engine error as one sentence."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from app.session import Result

pytestmark = pytest.mark.qt


def run_first_photo(window, qtbot, photo_files):
    window.add_photos(photo_files[:1])
    window.session.set_options(steps=2)
    photo = window.session.current
    window.run_current()
    qtbot.waitUntil(lambda: photo.status == "done", timeout=60_000)
    return photo


def view_point(page, x, y) -> QPoint:
    """The viewport position of map pixel (x, y) on the repair page."""
    return page.view.mapFromScene(float(x), float(y))


def test_paint_with_the_mouse_erase_clear_and_brush_keys(make_window, qtbot, photo_files):
    window = make_window()
    window.add_photos(photo_files[:1])
    window.repair_view_action.trigger()  # no result yet: the crop view stays, with a hint
    assert window.stack.currentWidget() is window.canvas
    assert window.statusBar().currentMessage() == "Run photo0.png first; then paint over what to repair."
    window.repair_view_action.trigger()
    assert not window.repairing
    photo = run_first_photo(window, qtbot, photo_files)
    assert window.stack.currentWidget() is window.canvas
    window.results.repair.click()
    page = window.repair_page
    assert window.stack.currentWidget() is page and window.repair_view_action.isChecked()
    assert page.mask is not None and page.mask.shape == photo.result.size == (32, 48)
    assert not page.repair.isEnabled()  # nothing painted yet
    page.brush.setValue(6)
    port = page.view.viewport()
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=view_point(page, 10, 16))
    qtbot.mouseMove(port, view_point(page, 30, 16))
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=view_point(page, 30, 16))
    mask = page.mask.mask
    assert mask[16, 12:29].all() and not mask[5, 20] and not mask[16, 40]
    assert page.repair.isEnabled() and page.coverage.text().startswith("mask ")
    overlay = page.overlay.pixmap().toImage()
    assert overlay.pixelColor(20, 16).alpha() > 0 and overlay.pixelColor(20, 5).alpha() == 0
    qtbot.mousePress(port, Qt.MouseButton.RightButton, pos=view_point(page, 20, 16))  # right erases
    qtbot.mouseRelease(port, Qt.MouseButton.RightButton, pos=view_point(page, 20, 16))
    assert not mask[16, 20] and mask[16, 12]
    assert page.overlay.pixmap().toImage().pixelColor(20, 16).alpha() == 0
    page.clear.click()
    assert page.mask.empty and not page.repair.isEnabled()
    qtbot.keyClick(page.view, "]")
    assert page.brush.value() > 6
    qtbot.keyClick(page.view, "[")
    assert page.brush.value() == 6
    page.source.setCurrentIndex(page.source.findData("normals"))
    page.source.activated.emit(page.source.currentIndex())
    assert not page.background.pixmap().isNull()
    page.back.click()
    assert window.stack.currentWidget() is window.canvas


def test_repair_undo_redo_tileable_and_export(make_window, qtbot, photo_files, tmp_path):
    window = make_window()
    photo = run_first_photo(window, qtbot, photo_files)
    original = photo.result
    window.show_repair(True)
    page = window.repair_page
    page.method.setCurrentIndex(page.method.findData("telea"))
    page.method.activated.emit(page.method.currentIndex())
    assert window.editor.method == "telea"
    page.brush.setValue(8)
    page.paint(*(page.view.mapToScene(view_point(page, x, 12)) for x in (14, 30)), erase=False)
    hole = page.mask.mask > 0
    before = photo.result_photo().copy()

    page.repair.click()
    assert page.cancel.isEnabled() and not page.tileable.isEnabled()
    qtbot.waitUntil(lambda: photo.result is not original, timeout=60_000)
    qtbot.waitUntil(lambda: not window.editor.running, timeout=10_000)
    repaired = photo.result
    assert repaired.photo is not None and repaired.photo.shape == (32, 48, 3)
    assert repaired.edits == ["Repair region (OpenCV Telea)"]
    np.testing.assert_array_equal(repaired.photo[~hole], np.asarray(before)[~hole])
    assert not np.allclose(repaired.photo[hole], before[hole])  # the noisy photo was smoothed over
    assert "Repaired the region with OpenCV Telea" in page.status.text()
    assert page.mask.empty  # cleared for the next region
    qtbot.waitUntil(lambda: window.results.complete, timeout=10_000)
    assert window.results.views["photo"].label.text() == "Photo (repaired)"
    assert "Repair region (OpenCV Telea)" in window.results.info.text()
    assert window.undo_action.text() == "Undo Repair region"
    window.undo_action.trigger()
    assert photo.result is original
    window.redo_action.trigger()
    assert photo.result is repaired

    # Make tileable (automatic method): all maps and the repaired photo, previewed at tiling x3
    page.method.setCurrentIndex(page.method.findData("auto"))
    page.method.activated.emit(page.method.currentIndex())
    window.tileable_action.trigger()
    qtbot.waitUntil(lambda: photo.result is not repaired and not window.editor.running, timeout=120_000)
    tiled = photo.result
    assert tiled.tileable and len(tiled.edits) == 2 and tiled.edits[1].startswith("Make tileable (")
    method = "Teamwork model" if "Teamwork" in tiled.edits[1] else "OpenCV Telea"
    assert f"Made the material tileable with {method}" in page.status.text()
    if method == "OpenCV Telea":  # no embedded inpainting model in this build: said so
        assert "No embedded inpainting model" in page.status.text()
    assert window.viewport.tiling.value() == 3
    if window.viewport.viewport is not None:
        assert window.viewport.viewport.settings.tiling == 3
    wrap = np.abs(tiled.maps["diffuse"][:, 0] - tiled.maps["diffuse"][:, -1]).mean()
    assert wrap < np.abs(repaired.maps["diffuse"][:, 0] - repaired.maps["diffuse"][:, -1]).mean()

    # the raw export writes the repaired photo beside the maps, with periodic height
    window.settings.export.preset, window.settings.export.folder = "raw", str(tmp_path / "out")
    dialog = window.export_dialog()
    dialog.export_button.click()
    qtbot.waitUntil(lambda: window.last_export is not None, timeout=20_000)
    written = {p.name for p in window.last_export.iterdir()}
    assert "image.exr" in written and "diffuse.png" in written


def test_cancel_and_engine_errors_leave_the_result(make_window, qtbot, photo_files):
    window = make_window()
    photo = run_first_photo(window, qtbot, photo_files)
    original = photo.result
    window.show_repair(True)
    page = window.repair_page
    window.make_tileable()
    assert window.cancel_action.isEnabled()
    window.cancel_action.trigger()  # Esc: stops the edit at once; a late answer is ignored
    assert not window.editor.running and page.status.text().startswith("Cancelled")
    qtbot.wait(1500)
    assert photo.result is original

    window.repair_region()  # nothing painted: a sentence, no box
    assert page.status.text() == "Paint over the region to repair first." and window.last_error is None

    tiny = {"diffuse": np.full((12, 12, 3), 0.5, np.float32),
            "roughness": np.full((12, 12, 1), 0.5, np.float32)}
    window.session.set_result(photo.id, Result(tiny, "svbrdf"))
    small = photo.result
    window.make_tileable()
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=60_000)
    box = window.last_error
    assert isinstance(box, QMessageBox) and box.windowTitle() == "Could not make the material tileable"
    assert box.text().startswith("The seam band (8 px) must be narrower than half the texture (12x12)")
    assert photo.result is small and not window.editor.running and page.tileable.isEnabled()
