"""The whole flow on the real worker process (tiny fake estimate job): open, rectify, run, inspect
every map, export, save and reopen the project."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

pytestmark = pytest.mark.qt

SVBRDF_MAPS = {"diffuse", "specular", "roughness", "normals"}


def drop_files(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_open_rectify_run_inspect_export_reopen(make_window, qtbot, photo_files, tmp_path):
    window = make_window()
    session = window.session
    assert window.stack.currentWidget() is window.welcome

    # open: drop a folder onto the photo list
    drop_files(window.photo_list, [photo_files[0].parent])
    assert [p.name for p in session.photos] == ["photo0.png", "photo1.png", "photo2.png"]
    assert window.photo_list.count() == 3 and window.batch.table.rowCount() == 3
    assert window.stack.currentWidget() is window.canvas
    photo = session.current
    assert photo.name == "photo0.png"

    # rectify: drag two corner handles inwards, commit as the mouse release does; undo/redo
    canvas = window.canvas
    canvas.handles[0].setPos(QPointF(12, 8))
    canvas.handles[2].setPos(QPointF(40, 30))
    canvas.commit_corners()
    assert photo.rectification.corners[0] == (0.25, 0.25)
    rectified = photo.prepared().shape
    assert rectified[:2] != (32, 48)
    window.undo_action.trigger()
    assert photo.rectification.is_identity
    window.redo_action.trigger()
    assert photo.prepared().shape == rectified
    canvas.resolution.setCurrentText("512 px")
    canvas.aspect.setCurrentText("Square 1:1")
    canvas.commit_corners()
    assert photo.prepared().shape == (512, 512, 3)
    canvas.resolution.setCurrentText("Auto")
    canvas.aspect.setCurrentText("Square 1:1")
    canvas.commit_corners()
    side = photo.prepared().shape[0]
    assert photo.prepared().shape == (side, side, 3) and side < 48

    # settings through the task panel
    window.task_panel.steps.setValue(3)
    window.task_panel.fov.setValue(62.0)
    assert session.options.steps == 3 and photo.fov_degrees == 62.0

    # run
    progress = []
    window.runner.subscribe("progress", progress.append)
    qtbot.mouseClick(window.task_panel.run, Qt.MouseButton.LeftButton)
    assert window.task_panel.cancel.isEnabled() and not window.task_panel.run.isEnabled()
    qtbot.waitUntil(lambda: photo.status == "done", timeout=60_000)
    assert [p.step for p in progress if p.total] == [1, 2, 3]
    assert "step 3/3" in progress[-1].text
    assert window.task_panel.status.text().startswith("Finished")
    assert not window.task_panel.cancel.isEnabled() and window.task_panel.run.isEnabled()

    # every map is shown, with the photo side by side
    result = photo.result
    assert set(result.maps) == SVBRDF_MAPS
    np.testing.assert_allclose(result.maps["diffuse"], np.clip(photo.prepared() * 0.8, 0, 1), atol=1e-6)
    qtbot.waitUntil(lambda: window.results.complete, timeout=10_000)
    views = window.results.views
    assert set(window.results.shown) == SVBRDF_MAPS | {"photo"}
    for name in window.results.shown:
        view = views[name]
        image = view.view.getImageItem().image
        assert image is not None and image.shape[:2] == (side, side), name
    window.results.channel.setCurrentText("R")
    assert views["diffuse"].view.getImageItem().image.ndim == 2
    # synced zoom: zooming one view moves the others
    master = views["photo"].view.getView()
    other = views["normals"].view.getView()
    master.setRange(xRange=(2, 6), yRange=(2, 6), padding=0)
    qtbot.wait(20)
    (x0, x1), (y0, y1) = other.viewRange()
    assert abs((x0 + x1) / 2 - 4) < 0.5 and abs((y0 + y1) / 2 - 4) < 0.5
    assert x0 <= 2.1 and x1 >= 5.9 and y0 <= 2.1 and y1 >= 5.9
    assert window.export_action.isEnabled()

    # export through the dialog, with overwrite confirmation
    out = tmp_path / "export"
    dialog = window.export_dialog()
    dialog.preset.setCurrentIndex(dialog.preset.findData("raw"))
    dialog.folder.setText(str(out))
    dialog.naming.setText("{photo}_{task}")
    assert "photo0_svbrdf" in dialog.preview.text()
    dialog.export_button.click()
    target = out / "photo0_svbrdf"
    qtbot.waitUntil(lambda: window.last_export == target, timeout=10_000)  # exports run off the GUI thread
    written = sorted(p.stem for p in target.iterdir() if p.suffix in (".png", ".exr", ".tif"))
    assert SVBRDF_MAPS <= set(written)
    asked = []
    dialog = window.export_dialog()
    dialog.confirm_overwrite = lambda files: asked.append(len(files)) or False
    dialog.export_button.click()
    assert asked and asked[0] >= 4 and dialog.isVisible()  # refused: nothing happens
    dialog.confirm_overwrite = lambda files: True
    dialog.export_button.click()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not window.exports.busy, timeout=10_000)
    assert window.statusBar().currentMessage() == f"Exported to {target}." and window.last_error is None
    assert window.settings.export.folder == str(out) and window.settings.export.preset == "raw"

    # save, start afresh, reopen
    project = tmp_path / "projects" / "wood.twproj"
    assert window.save_project_as(project)
    assert window.windowTitle().startswith("wood —")
    assert str(project) in window.settings.recent_projects
    window.new_project()
    assert session.photos == [] and window.stack.currentWidget() is window.welcome
    assert window.open_project(project)
    reopened = session.current
    assert reopened.name == "photo0.png" and reopened.status == "done"
    assert reopened.rectification == photo.rectification
    np.testing.assert_allclose(reopened.result.maps["roughness"], result.maps["roughness"])
    assert set(window.results.shown) == SVBRDF_MAPS | {"photo"}
    qtbot.waitUntil(lambda: window.results.complete, timeout=10_000)
    assert session.options.steps == 3 and window.task_panel.steps.value() == 3
    assert window.recent_menu.actions()[0].toolTip() == str(project)
