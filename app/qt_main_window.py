"""The main window: dockable panels around the photo canvas, menus with shortcuts, run/cancel,
projects, recent files, export and settings persistence. It wires the Qt-free session and runner
to the widgets and the worker bridge; it keeps no model state of its own."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from app.exporting import ExportChoice, ExportRequest
from app.images import PHOTO_SUFFIXES, list_photos
from app.project import SUFFIX, ProjectError, load_project, save_project
from app.qt_about import QtAboutDialog
from app.qt_batch import QtBatchQueue
from app.qt_canvas import QtPhotoCanvas
from app.qt_errors import error_box
from app.qt_export_dialog import QtExportDialog
from app.qt_export_progress import QtExportProgress, QtExportQueue
from app.qt_log import QtLogView
from app.qt_photo_list import QtPhotoList
from app.qt_repair import QtRepairPanel
from app.qt_results import QtResultsPanel
from app.qt_task_panel import QtTaskPanel
from app.qt_viewport_dock import QtViewportDock
from app.qt_welcome import CAPTURE, QtWelcome
from app.repair import TILEABLE, EditError, EditOutcome, MaterialEditor
from app.runner import JobRunner
from app.session import Session
from app.settings import AppSettings, ExportDefaults, load_settings, save_settings
from engine.paths import assets_dir, log_dir

log = logging.getLogger(__name__)

PHOTO_FILTER = "Photos (" + " ".join(f"*{s}" for s in PHOTO_SUFFIXES) + ");;All files (*)"
PROJECT_FILTER = f"Teamwork Studio projects (*{SUFFIX})"


def sample_photo() -> Path | None:
    folder = assets_dir() / "samples"
    photos = list_photos(folder) if folder.is_dir() else []
    return photos[0] if photos else None


class QtMainWindow(QMainWindow):
    def __init__(self, bridge, settings: AppSettings | None = None, parent: QWidget | None = None,
                 prewarm: bool = True) -> None:
        super().__init__(parent)
        self.settings = settings or load_settings()
        self.session = Session()
        self._apply_task_defaults()
        self.bridge = bridge
        self.runner = JobRunner(self.session, bridge)
        bridge.attach(self.runner)
        self.editor = MaterialEditor(self.session, bridge)  # Repair region and Make tileable
        bridge.attach_editor(self.editor)
        self.repairing = False  # the central view shows the repair page instead of the crop canvas
        self.last_error = None  # the most recent error box (tests read it)
        self.last_export: Path | None = None  # the folder of the last export from the dialog
        self.exports = QtExportQueue(self)  # exports run one at a time off the GUI thread
        self._auto_exported: set[int] = set()
        self.confirm_discard = self._ask_discard  # replaced in tests
        self.setWindowTitle("Teamwork Studio")
        icon = assets_dir() / "icons" / "app.png"
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks | QMainWindow.DockOption.AnimatedDocks)
        self.resize(1500, 940)

        self.welcome = QtWelcome()
        self.canvas = QtPhotoCanvas(self.session)
        self.repair_page = QtRepairPanel(self.session)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.canvas)
        self.stack.addWidget(self.repair_page)
        self.setCentralWidget(self.stack)

        self.photo_list = QtPhotoList(self.session)
        self.task_panel = QtTaskPanel(self.session)
        self.results = QtResultsPanel(self.session)
        self.viewport = QtViewportDock(self.session)
        self.batch = QtBatchQueue(self.session)
        self.batch.folder.setText(self.settings.export.folder)
        self.log_view = QtLogView()
        self.log_view.install()
        self.docks: dict[str, QDockWidget] = {}
        self._dock("photos", "Photos", self.photo_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("batch", "Batch queue", self.batch, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("messages", "Messages", self.log_view, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["batch"], self.docks["messages"])
        self.docks["batch"].raise_()
        self._dock("task", "Task and model", self.task_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("results", "Results", self.results, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("viewport", "Relighting viewport", self.viewport, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.docks["results"], self.docks["viewport"], Qt.Orientation.Horizontal)
        d, horizontal = self.docks, Qt.Orientation.Horizontal
        self.resizeDocks([d["photos"], d["task"]], [280, 340], horizontal)
        self.resizeDocks([d["results"], d["viewport"]], [900, 480], horizontal)
        self.resizeDocks([d["results"]], [440], Qt.Orientation.Vertical)

        self._build_menus()
        self._connect()
        self._restore_window()
        self._refresh_central()
        self._update_title()
        self.export_progress = QtExportProgress(self.exports)
        self.statusBar().addPermanentWidget(self.export_progress)
        self.statusBar().showMessage("Open a photo to begin: File ▸ Open, or drop files here.")
        if prewarm:
            self.results.prewarm()  # pyqtgraph views are slow to create: build them while idle

    # -- construction ----------------------------------------------------------------------------
    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip or text)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        k = QKeySequence.StandardKey
        file = bar.addMenu("&File")
        self._action(file, "Open photos…", self.open_photos_dialog, k.Open, "Add photos to the project.")
        self._action(file, "Open folder…", self.open_folder_dialog, "Ctrl+Shift+D",
                     "Add every photo of a folder.")
        self._action(file, "Open sample photo", self.open_sample, None, "Load the bundled flash photo.")
        file.addSeparator()
        self._action(file, "New project", self.new_project, k.New, "Start an empty project.")
        self._action(file, "Open project…", self.open_project_dialog, "Ctrl+Shift+O", "Open a .twproj file.")
        self.recent_menu = file.addMenu("Recent projects")
        self.recent_photos_menu = file.addMenu("Recent photos")
        self._action(file, "Save project", self.save_project, k.Save, "Save photos, edits and results.")
        self._action(file, "Save project as…", self.save_project_as, k.SaveAs, "Save under a new name.")
        file.addSeparator()
        self.export_action = self._action(file, "Export texture set…", self.export_dialog, "Ctrl+E",
                                          "Write the current maps for your engine.")
        file.addSeparator()
        self._action(file, "Quit", self.close, k.Quit, "Close Teamwork Studio.")

        edit = bar.addMenu("&Edit")
        self.undo_action = self._action(edit, "Undo", self.session.undo_stack.undo, k.Undo)
        self.redo_action = self._action(edit, "Redo", self.session.undo_stack.redo, k.Redo)
        edit.addSeparator()
        self._action(edit, "Reset crop and rectification", self.canvas.reset_edit, "Ctrl+Shift+X",
                     "Use the whole photo again.")
        self._action(edit, "Remove selected photos", self.remove_selected, None, "Remove from the project.")

        run = bar.addMenu("&Run")
        self.run_action = self._action(run, "Run selected photo", self.run_current, "Ctrl+R")
        self._action(run, "Run all photos", self.run_all, "Ctrl+Shift+R")
        self._action(run, "Retry failed", self.runner.retry_failed, None)
        self.cancel_action = self._action(run, "Cancel", self.cancel_all, "Escape")

        material = bar.addMenu("&Material")
        self.repair_view_action = self._action(
            material, "Repair region…", lambda: self.show_repair(not self.repairing), "Ctrl+Shift+H",
            "Paint over blemishes of the photo and its maps, then repair them together.")
        self.repair_view_action.setCheckable(True)
        self.repair_action = self._action(
            material, "Repair painted region", self.repair_region, "Ctrl+Shift+I",
            "Fill the painted region in the photo and all maps.")
        self.tileable_action = self._action(
            material, "Make tileable", self.make_tileable, "Ctrl+T",
            "Repair the wrap-around seams so the material repeats seamlessly.")

        view = bar.addMenu("&View")
        self._action(view, "Welcome page", lambda: self.stack.setCurrentWidget(self.welcome), None)
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "How to take a flash photo", self.show_capture_help, k.HelpContents)
        self._action(help_menu, "Open log folder", self.open_log_folder, None)
        self._action(help_menu, "About Teamwork Studio", self.show_about, None)
        self._refresh_recent()

    def _connect(self) -> None:
        s = self.session
        s.subscribe("undo_changed", self._update_undo)
        s.subscribe("project_changed", self._update_title)
        s.subscribe("photos_changed", self._refresh_central)
        s.subscribe("current_changed", lambda _pid: self._refresh_central())
        s.subscribe("options_changed", self._remember_options)
        self.runner.subscribe("state_changed", self._running_changed)
        self.runner.subscribe("progress", self.task_panel.show_progress)
        self.runner.subscribe("finished", self._finished)
        self.runner.subscribe("job_failed", self._job_failed)
        s.subscribe("photo_changed", self._maybe_auto_export)
        self.exports.finished.connect(self._export_finished)
        self.exports.failed.connect(self._export_failed)
        self.exports.cancelled.connect(self._export_cancelled)
        self.welcome.open_sample.connect(self.open_sample)
        self.welcome.open_photos.connect(self.open_photos_dialog)
        self.welcome.open_project.connect(self.open_project_dialog)
        self.photo_list.files_dropped.connect(self.add_photos)
        self.photo_list.project_dropped.connect(self.open_project)
        self.canvas.edit_failed.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.task_panel.run_requested.connect(self.run_current)
        self.task_panel.run_all_requested.connect(self.run_all)
        self.task_panel.cancel_requested.connect(self.runner.cancel)
        self.batch.run_all_requested.connect(self.run_all)
        self.batch.retry_requested.connect(self.runner.retry_failed)
        self.batch.cancel_requested.connect(self.runner.cancel)
        self.results.repair_requested.connect(lambda: self.show_repair(True))
        self.repair_page.repair_requested.connect(self.repair_region)
        self.repair_page.tileable_requested.connect(self.make_tileable)
        self.repair_page.cancel_requested.connect(self.editor.cancel)
        self.repair_page.back_requested.connect(lambda: self.show_repair(False))
        self.repair_page.method_changed.connect(self._set_edit_method)
        self.editor.subscribe("state_changed", lambda _running: self._running_changed(self.runner.running))
        self.editor.subscribe("progress", self.repair_page.show_progress)
        self.editor.subscribe("finished", self._edit_finished)
        self.editor.subscribe("failed", self._edit_failed)
        self.editor.subscribe("cancelled", self._edit_cancelled)
        s.subscribe("photo_changed", lambda pid: pid == s.current_id and self._update_edit_actions())
        s.subscribe("current_changed", lambda _pid: self._update_edit_actions())
        self._update_undo()
        self._running_changed(False)

    # -- settings ---------------------------------------------------------------------------------
    def _apply_task_defaults(self) -> None:
        t = self.settings.task
        model = t.checkpoint if t.model != "embedded" and t.checkpoint else "embedded"
        try:
            self.session.set_options(task=t.task, model=model, base=t.base, steps=t.steps, seed=t.seed,
                                     samples=t.samples, tileable=t.tileable, max_size=t.max_size,
                                     device=t.device)
        except ValueError as error:
            log.warning("ignoring invalid saved task settings: %s", error)
        self.session.undo_stack.clear()

    def _remember_options(self) -> None:
        o, t = self.session.options, self.settings.task
        t.task, t.steps, t.seed, t.samples = o.task, o.steps, o.seed, o.samples
        t.tileable, t.max_size, t.device, t.base = o.tileable, o.max_size, o.device, o.base
        t.model = "embedded" if o.model == "embedded" else "checkpoint"
        if o.model != "embedded":
            t.checkpoint = o.model

    def _restore_window(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        if self.settings.window_state:
            self.restoreState(QByteArray.fromBase64(self.settings.window_state.encode()))

    def save_settings(self) -> None:
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        self.settings.window_state = bytes(self.saveState().toBase64()).decode()
        self.settings.export.folder = self.batch.folder.text().strip() or self.settings.export.folder
        save_settings(self.settings)

    # -- view state -------------------------------------------------------------------------------
    def _refresh_central(self) -> None:
        current = self.session.current
        repairable = self.repairing and current is not None and current.result is not None
        page = (self.repair_page if repairable else self.canvas) if self.session.photos else self.welcome
        self.stack.setCurrentWidget(page)
        self.export_action.setEnabled(bool(self.session.current and self.session.current.result))

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.session.title} — Teamwork Studio")
        self._refresh_central()

    def _update_undo(self) -> None:
        stack = self.session.undo_stack
        self.undo_action.setEnabled(stack.can_undo)
        self.redo_action.setEnabled(stack.can_redo)
        self.undo_action.setText(f"Undo {stack.undo_text}" if stack.can_undo else "Undo")
        self.redo_action.setText(f"Redo {stack.redo_text}" if stack.can_redo else "Redo")

    def _running_changed(self, running: bool) -> None:
        self.task_panel.set_running(running)
        self.batch.set_running(running)
        self.repair_page.set_running(self.editor.running, running)
        self.cancel_action.setEnabled(running or self.editor.running)
        self._update_edit_actions()

    def _update_edit_actions(self) -> None:
        photo = self.session.current
        ready = bool(photo and photo.result) and not self.editor.running and not self.runner.running
        self.repair_action.setEnabled(ready)
        self.tileable_action.setEnabled(ready)

    def cancel_all(self) -> None:
        """Esc: stop the running estimation (and its queue) and the running repair."""
        self.runner.cancel()
        self.editor.cancel()

    # -- photos and projects ------------------------------------------------------------------------
    def add_photos(self, paths: list) -> None:
        paths = [Path(p) for p in paths]
        if not paths:
            self.statusBar().showMessage("None of the dropped files is a photo this app can read.", 6000)
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            added, errors = self.session.add_photos(paths)
        finally:
            QApplication.restoreOverrideCursor()
        for photo in added:
            self.settings.add_recent("photos", photo.path)
        if added:
            self._refresh_recent()
            self.settings.last_open_dir = str(added[-1].path.parent)
            self.statusBar().showMessage(f"Added {len(added)} photo(s).", 5000)
            self.settings.show_welcome = False
        if errors:
            self.show_error("Some photos could not be opened", errors[0], "\n".join(errors))

    def open_photos_dialog(self) -> None:
        start = self.settings.last_open_dir
        files, _ = QFileDialog.getOpenFileNames(self, "Open photos", start, PHOTO_FILTER)
        if files:
            self.add_photos(files)

    def open_folder_dialog(self) -> None:
        start = self.settings.last_open_dir
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos", start)
        if folder:
            self.add_photos(list_photos(folder))

    def open_sample(self) -> None:
        sample = sample_photo()
        if sample is None:
            self.show_error("Sample missing", "The sample photo is missing from this installation.")
            return
        self.add_photos([sample])

    def remove_selected(self) -> None:
        ids = self.photo_list.selected_ids() or ([self.session.current_id] if self.session.current_id else [])
        self.session.remove_photos(ids)

    def new_project(self) -> None:
        if self.runner.running or not self.confirm_discard():
            return
        self.editor.cancel()
        self.session.clear()

    def open_project_dialog(self) -> None:
        start = self.settings.last_open_dir
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, PROJECT_FILTER)
        if path:
            self.open_project(Path(path))

    def open_project(self, path: Path) -> bool:
        if self.runner.running:
            self.statusBar().showMessage("Cancel the running job before opening a project.", 6000)
            return False
        if not self.confirm_discard():
            return False
        self.editor.cancel()
        try:
            warnings = load_project(self.session, path)
        except ProjectError as error:
            self.show_error("Cannot open the project", str(error))
            return False
        self.settings.add_recent("projects", path)
        self._refresh_recent()
        if warnings:
            self.show_error("The project opened with problems", warnings[0], "\n".join(warnings))
        self.statusBar().showMessage(f"Opened {Path(path).name}.", 5000)
        return True

    def save_project(self) -> bool:
        if self.session.project_path is None:
            return self.save_project_as()
        return self._save_to(self.session.project_path)

    def save_project_as(self, path: Path | None = None) -> bool:
        if path is None:
            start = str(Path(self.settings.last_open_dir or Path.home()) / "material.twproj")
            chosen, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            saved = save_project(self.session, path)
        except ProjectError as error:
            self.show_error("Cannot save the project", str(error))
            return False
        self.settings.add_recent("projects", saved)
        self._refresh_recent()
        self._update_title()
        self.statusBar().showMessage(f"Saved {saved.name}.", 5000)
        return True

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for index, path in enumerate(self.settings.recent_projects):
            action = self.recent_menu.addAction(f"&{index + 1}  {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_project(Path(p)))
        self.recent_menu.setEnabled(bool(self.settings.recent_projects))
        self.recent_photos_menu.clear()
        for index, path in enumerate(self.settings.recent_photos):
            action = self.recent_photos_menu.addAction(f"&{index + 1}  {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.add_photos([Path(p)]))
        self.recent_photos_menu.setEnabled(bool(self.settings.recent_photos))

    def _ask_discard(self) -> bool:
        if not self.session.dirty or not self.session.photos:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "The current project has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        return answer == QMessageBox.StandardButton.Discard

    # -- running ----------------------------------------------------------------------------------
    def run_current(self) -> None:
        photo = self.session.current
        if photo is None:
            self.statusBar().showMessage("Open a photo first.", 5000)
            return
        self.runner.run([photo.id])

    def run_all(self) -> None:
        todo = [p.id for p in self.session.photos if p.status != "done"]
        self.runner.run(todo or [p.id for p in self.session.photos])

    def _job_failed(self, photo_id: str, message: str, details: str) -> None:
        photo = self.session.photo(photo_id)
        kind = details.split("\n", 1)[0].removeprefix("kind: ") if details.startswith("kind: ") else "failed"
        name = photo.name if photo else "the photo"
        self.show_error(f"Could not process {name}", message, details, kind)

    def _finished(self, done: int, failed: int) -> None:
        self.task_panel.show_finished(done, failed)
        if done:
            self.docks["results"].raise_()
        self._refresh_central()

    def _maybe_auto_export(self, photo_id: str) -> None:
        photo = self.session.photo(photo_id)
        if photo is None or photo.status != "done" or photo.result is None:
            return
        self._refresh_central()
        if not self.batch.auto_export.isChecked() or not self.batch.folder.text().strip():
            return
        if id(photo.result) in self._auto_exported:  # once per result (statuses re-emit the event)
            return
        self._auto_exported.add(id(photo.result))
        choice = self.export_choice(folder=self.batch.folder.text().strip())
        self.exports.enqueue(ExportRequest(
            photo.result.export_maps(), choice, photo.name, photo.result.task, overwrite=True,
            tileable=self.session.options.tileable or photo.result.tileable, fov_degrees=photo.fov_degrees,
            tag=photo_id,
        ))

    # -- repair and tiling ---------------------------------------------------------------------------
    def show_repair(self, on: bool = True) -> None:
        """Show the repair page (paint a mask over the result) instead of the crop canvas, or back."""
        self.repairing = on
        self.repair_view_action.setChecked(on)
        self._refresh_central()
        photo = self.session.current
        if on and photo is not None and photo.result is None:  # the crop view stays until it has one
            self.statusBar().showMessage(f"Run {photo.name} first; then paint over what to repair.", 6000)

    def repair_region(self) -> None:
        photo = self.session.current
        self.show_repair(True)
        if photo is None:
            self._edit_refused("Open a photo first.")
        elif self.repair_page.mask is None:
            self._edit_refused(f"Run {photo.name} first; then paint over what to repair.")
        else:
            self._start_edit(lambda: self.editor.repair(photo.id, self.repair_page.mask))

    def make_tileable(self) -> None:
        photo = self.session.current
        if photo is None:
            self._edit_refused("Open a photo first.")
        else:
            self._start_edit(lambda: self.editor.make_tileable(photo.id))

    def _start_edit(self, start) -> None:
        try:
            start()
        except EditError as error:
            self._edit_refused(str(error))

    def _edit_refused(self, text: str) -> None:
        self.repair_page.show_message(text)
        self.statusBar().showMessage(text, 6000)

    def _set_edit_method(self, method: str) -> None:
        self.editor.method = method

    def _edit_finished(self, outcome: EditOutcome) -> None:
        self.repair_page.show_outcome(outcome)
        self.statusBar().showMessage(outcome.text, 8000)
        if outcome.kind == TILEABLE and outcome.method != "none":
            self.viewport.set_tiling(3)  # show the repeats the edit made seamless
            self.docks["viewport"].raise_()

    def _edit_failed(self, message: str, details: str) -> None:
        kind = details.split("\n", 1)[0].removeprefix("kind: ") if details.startswith("kind: ") else "failed"
        title = "Could not make the material tileable" if self.editor.last_kind == TILEABLE else \
            "Could not repair the region"
        self.repair_page.show_message(message)
        self.show_error(title, message, details, kind)

    def _edit_cancelled(self) -> None:
        self.repair_page.show_message("Cancelled; the result was left as it was.")
        self.statusBar().showMessage("Cancelled.", 5000)

    # -- export -------------------------------------------------------------------------------------
    def export_choice(self, **changes) -> ExportChoice:
        e = self.settings.export
        values = dict(preset=e.preset, resolution=e.resolution, bit_depth=e.bit_depth, file_type=e.fmt,
                      naming=e.naming, folder=e.folder)
        values.update(changes)
        return ExportChoice(**values)

    def export_dialog(self) -> QtExportDialog | None:
        photo = self.session.current
        if photo is None or photo.result is None:
            self.statusBar().showMessage("Run the selected photo first; then its maps can be exported.", 6000)
            return None
        dialog = QtExportDialog(self.export_choice(), photo.name, photo.result.task, self)
        dialog.accepted.connect(lambda: self._export_accepted(dialog))
        dialog.open()
        return dialog

    def _export_accepted(self, dialog: QtExportDialog) -> None:
        photo = self.session.current
        choice = dialog.choice()
        self.settings.export = ExportDefaults(choice.preset, choice.resolution, choice.bit_depth,
                                              choice.file_type, choice.naming, choice.folder)
        self.exports.enqueue(ExportRequest(
            photo.result.export_maps(), choice, photo.name, photo.result.task, overwrite=True,
            tileable=self.session.options.tileable or photo.result.tileable, fov_degrees=photo.fov_degrees,
        ))

    # Export outcomes arrive on the GUI thread; ``request.tag`` is the photo id of a batch export.
    def _export_finished(self, request: ExportRequest, target: Path) -> None:
        if request.tag is None:
            self.last_export = target
        else:
            log.info("batch: %s exported to %s", request.photo, target)
        self.statusBar().showMessage(f"Exported to {target}.", 8000)

    def _export_failed(self, request: ExportRequest, message: str) -> None:
        if request.tag is None:
            self.show_error("Export failed", message)
        else:
            self.session.set_status(request.tag, "done", f"Export failed: {message}")

    def _export_cancelled(self, _request: ExportRequest) -> None:
        self.statusBar().showMessage("Export cancelled.", 8000)

    # -- help -----------------------------------------------------------------------------------
    def show_error(self, title: str, message: str, details: str = "", kind: str = "failed") -> None:
        self.last_error = error_box(self, title, message, details, kind)

    def show_capture_help(self) -> None:
        QMessageBox.information(self, "How to take a flash photo", CAPTURE)

    def show_about(self) -> QtAboutDialog:
        dialog = QtAboutDialog(self)
        dialog.open()
        return dialog

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

    # -- Qt events -----------------------------------------------------------------------------
    def dragEnterEvent(self, event):  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802 - Qt override
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.photo_list.handle_paths(paths))

    def closeEvent(self, event):  # noqa: N802 - Qt override
        if not self.confirm_discard():
            event.ignore()
            return
        if self.runner.running:
            self.runner.cancel()
        self.editor.cancel()
        self.save_settings()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop the worker and detach from logging (idempotent)."""
        self.log_view.uninstall()
        widgets = (self.photo_list, self.canvas, self.task_panel, self.results, self.viewport, self.batch,
                   self.repair_page)
        for widget in widgets:
            widget.close_subscriptions()
        self.exports.shutdown()  # cancels: an unfinished export leaves nothing behind
        self.bridge.shutdown()
