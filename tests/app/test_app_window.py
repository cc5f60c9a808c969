"""Window-level behaviour: batch queue with auto-export, settings that persist, tooltips on every
control, keyboard shortcuts, the welcome sample, and About with the licences."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QTableWidget,
)

from app.settings import AppSettings, load_settings

pytestmark = pytest.mark.qt


def test_batch_runs_every_photo_exports_each_and_opens_the_folder(make_window, qtbot, photo_files,
                                                                  tmp_path, monkeypatch):
    window = make_window()
    window.add_photos(photo_files)
    window.session.set_options(steps=2)
    out = tmp_path / "batch_out"
    window.batch.folder.setText(str(out))
    window.batch.auto_export.setChecked(True)
    window.batch.run_all.click()
    qtbot.waitUntil(lambda: all(p.status == "done" for p in window.session.photos), timeout=60_000)
    assert [window.batch.status_of(p.id) for p in window.session.photos] == ["done"] * 3
    # auto-exports are queued and written one at a time off the GUI thread
    qtbot.waitUntil(lambda: not window.exports.busy and out.exists() and len(list(out.iterdir())) == 3,
                    timeout=30_000)
    folders = sorted(p.name for p in out.iterdir())
    assert folders == ["photo0_gltf", "photo1_gltf", "photo2_gltf"]
    assert all(any(f.suffix == ".png" for f in (out / d).iterdir()) for d in folders)
    opened = []
    monkeypatch.setattr("app.qt_batch.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    window.batch.open_folder.click()
    assert opened and opened[0].toLocalFile() == str(out)


def test_settings_persist_between_sessions(make_window, tmp_path):
    checkpoint = tmp_path / "adapter.safetensors"
    checkpoint.write_bytes(b"x")
    window = make_window()
    panel = window.task_panel
    panel.model.setCurrentIndex(1)
    panel.checkpoint.setText(str(checkpoint))
    panel.base.setText(str(tmp_path))
    panel._model_changed()  # what picking the files with the dialogs does
    panel.steps.setValue(7)
    panel.tileable.setChecked(True)
    assert window.session.options.model == str(checkpoint)
    window.close()  # saves the settings
    saved = load_settings()
    assert saved.task.checkpoint == str(checkpoint) and saved.task.base == str(tmp_path)
    assert saved.task.steps == 7 and saved.task.tileable and saved.window_state

    again = make_window(settings=saved)
    assert again.session.options.model == str(checkpoint) and again.session.options.steps == 7
    assert again.task_panel.checkpoint.text() == str(checkpoint) and again.task_panel.checkpoint.isEnabled()
    assert not again.session.undo_stack.can_undo  # restored defaults are not an edit


def test_every_control_has_a_tooltip(make_window):
    window = make_window()
    kinds = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QListWidget, QTableWidget)
    missing, checked = [], 0
    for panel in (window.task_panel, window.canvas, window.batch, window.results, window.welcome,
                  window.photo_list, window.log_view):
        widgets = [panel, *panel.findChildren(kinds[0])]
        for kind in kinds[1:]:
            widgets += panel.findChildren(kind)
        for widget in widgets:
            if not isinstance(widget, kinds) or not (widget is panel or widget.isVisibleTo(panel)):
                continue
            if widget.parent() is not None and widget.parent().__class__.__name__.startswith("QSpinBox"):
                continue
            checked += 1
            if not (widget.toolTip() or (widget.parent() and widget.parent().toolTip())):
                missing.append(f"{type(panel).__name__}: {type(widget).__name__} {widget.objectName()!r} "
                               f"{getattr(widget, 'text', lambda: '')()!r}")
    assert not missing, "\n".join(missing)
    assert checked > 35


def test_shortcuts_and_undo_menu(make_window, photo_files):
    window = make_window()
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in window.findChildren(
        type(window.run_action)) if not a.shortcut().isEmpty()}
    for name, keys in {"Run selected photo": "Ctrl+R", "Run all photos": "Ctrl+Shift+R", "Cancel": "Esc",
                       "Open photos…": "Ctrl+O", "Save project": "Ctrl+S", "Export texture set…": "Ctrl+E",
                       "Undo": "Ctrl+Z"}.items():
        assert shortcuts.get(name) == keys, (name, shortcuts.get(name))
    window.add_photos(photo_files[:1])
    assert window.undo_action.text() == "Undo Add 1 photo" and window.undo_action.isEnabled()
    assert window.recent_photos_menu.actions()[0].toolTip() == str(photo_files[0].resolve())
    assert not window.windowIcon().isNull()
    window.undo_action.trigger()
    assert window.session.photos == [] and window.redo_action.text() == "Redo Add 1 photo"
    assert window.stack.currentWidget() is window.welcome


def test_welcome_opens_the_bundled_sample_in_one_click(make_window):
    window = make_window(settings=AppSettings())
    assert window.stack.currentWidget() is window.welcome
    window.welcome.sample.click()
    photo = window.session.current
    assert photo is not None and photo.name.startswith("flash_") and photo.pixels.shape[0] >= 256
    assert window.stack.currentWidget() is window.canvas


def test_about_lists_licences_including_the_cc0_hdris(make_window):
    window = make_window()
    dialog = window.show_about()
    text = dialog.findChild(__import__("PySide6.QtWidgets").QtWidgets.QTextBrowser).toPlainText()
    assert "CC0" in text and "HDRI" in text and "LGPL" in text and "MIT" in text
    dialog.reject()


def test_intrinsic_task_shows_its_maps_and_disables_fov(make_window, qtbot, photo_files):
    window = make_window()
    window.add_photos(photo_files[:1])
    panel = window.task_panel
    panel.task.setCurrentIndex(panel.task.findData("intrinsic"))
    panel.task.activated.emit(panel.task.currentIndex())
    assert window.session.options.task == "intrinsic" and not panel.fov.isEnabled()
    window.session.set_options(steps=2)
    window.run_current()
    photo = window.session.current
    qtbot.waitUntil(lambda: photo.status == "done" and window.results.complete, timeout=60_000)
    assert set(window.results.shown) == {"photo", "albedo", "diffuseshading", "residual"}
    assert window.results.views["albedo"].label.text() == "Albedo"
    window.undo_action.trigger()  # the task change is undoable... after the steps edit
    window.undo_action.trigger()
    assert window.session.options.task == "svbrdf" and panel.fov.isEnabled()
