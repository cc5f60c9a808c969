"""The task and model panel: what to estimate, with which model and options; Run / Cancel and the
progress bar with step count and ETA. Every control has a tooltip; edits go to the session (undoable)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.qt_progress import QtProgressLine
from app.runner import Progress
from app.session import Session

TASK_LABELS = {"svbrdf": "SVBRDF (flash photo)", "intrinsic": "Intrinsic decomposition"}
DEVICE_LABELS = {"auto": "Automatic", "cuda": "GPU (CUDA)", "cpu": "CPU"}


class QtTaskPanel(QWidget):
    run_requested = Signal()
    run_all_requested = Signal()
    cancel_requested = Signal()
    paths_changed = Signal()  # checkpoint/base folder picked: the window remembers them

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._updating = False

        self.task = QComboBox()
        for key, label in TASK_LABELS.items():
            self.task.addItem(label, key)
        self.task.setToolTip("SVBRDF: a photo taken with the flash on, camera roughly facing the surface, "
                             "becomes diffuse, specular, roughness and normal maps.\nIntrinsic: any photo "
                             "is split into albedo and shading.")
        self.fov = QDoubleSpinBox()
        self.fov.setRange(1.0, 170.0)
        self.fov.setDecimals(1)
        self.fov.setSuffix("°")
        self.fov.setToolTip("Horizontal field of view of the camera that took this photo. Filled in from "
                            "the photo's EXIF data when present; phones are usually 65–75°.")
        self.fov_source = QLabel()
        self.fov_source.setObjectName("hint")

        self.model = QComboBox()
        self.model.addItem("Embedded (built in)", "embedded")
        self.model.addItem("Local Teamwork checkpoint", "checkpoint")
        self.model.setToolTip("The embedded model runs without a download. A local checkpoint is a Teamwork "
                              "adapter (.safetensors) plus the diffusers base model it was trained on.")
        self.checkpoint = QLineEdit()
        self.checkpoint.setPlaceholderText("adapter .safetensors file")
        self.checkpoint.setToolTip("The Teamwork adapter file (.safetensors).")
        self.checkpoint_browse = QToolButton(text="…")
        self.checkpoint_browse.setToolTip("Choose the Teamwork adapter file.")
        self.base = QLineEdit()
        self.base.setPlaceholderText("diffusers base-model folder")
        self.base.setToolTip("The local folder of the diffusers base model the adapter belongs to.")
        self.base_browse = QToolButton(text="…")
        self.base_browse.setToolTip("Choose the base-model folder.")

        self.steps = QSpinBox()
        self.steps.setRange(1, 1000)
        self.steps.setToolTip("Denoising steps: more steps are slower and usually a little cleaner.")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Random seed: the same seed and settings give the same maps.")
        self.samples = QSpinBox()
        self.samples.setRange(1, 16)
        self.samples.setToolTip("Estimates averaged together:\nsmoother maps, proportionally slower.")
        self.max_size = QComboBox()
        for size in (256, 512, 768, 1024, 1536, 2048):
            self.max_size.addItem(f"{size} px", size)
        self.max_size.setToolTip("Longer side the engine works at; larger inputs are downscaled first.")
        self.tileable = QCheckBox("Tileable output")
        self.tileable.setToolTip("Make the maps repeat without visible seams (wrap-around inference).")
        self.device = QComboBox()
        for key, label in DEVICE_LABELS.items():
            self.device.addItem(label, key)
        self.device.setToolTip("Where the engine runs. Automatic uses a CUDA GPU when there is one.")

        self.run = QPushButton("Run")
        self.run.setObjectName("primary")
        self.run.setToolTip("Estimate the maps of the selected photo (Ctrl+R).")
        self.run_all = QPushButton("Run all")
        self.run_all.setToolTip("Queue every photo with these settings (Ctrl+Shift+R).")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the running job and empty the queue (Esc).")
        self.progress = QtProgressLine()
        self.progress.setToolTip("Progress of the current run.")
        self.status = QLabel("Ready.")
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        # two fixed lines: a changing ETA text must not re-layout the window on every step
        self.status.setFixedHeight(self.status.fontMetrics().lineSpacing() * 2 + 4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        task_box = QGroupBox("Task")
        form = QFormLayout(task_box)
        form.addRow("Task", self.task)
        fov_row = QHBoxLayout()
        fov_row.addWidget(self.fov)
        fov_row.addWidget(self.fov_source, 1)
        form.addRow("Field of view", fov_row)
        model_box = QGroupBox("Model")
        mform = QFormLayout(model_box)
        mform.addRow("Model", self.model)
        for label, edit, button in (("Checkpoint", self.checkpoint, self.checkpoint_browse),
                                    ("Base model", self.base, self.base_browse)):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(button)
            mform.addRow(label, row)
        options_box = QGroupBox("Options")
        oform = QFormLayout(options_box)
        oform.addRow("Steps", self.steps)
        oform.addRow("Seed", self.seed)
        oform.addRow("Samples", self.samples)
        oform.addRow("Working size", self.max_size)
        oform.addRow("Device", self.device)
        oform.addRow("", self.tileable)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run, 2)
        buttons.addWidget(self.run_all, 1)
        buttons.addWidget(self.cancel, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(task_box)
        layout.addWidget(model_box)
        layout.addWidget(options_box)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.task.activated.connect(lambda _: self._set(task=self.task.currentData()))
        self.fov.valueChanged.connect(self._fov_changed)
        self.model.activated.connect(lambda _: self._model_changed())
        self.checkpoint.editingFinished.connect(self._model_changed)
        self.base.editingFinished.connect(self._model_changed)
        self.checkpoint_browse.clicked.connect(self._pick_checkpoint)
        self.base_browse.clicked.connect(self._pick_base)
        self.steps.valueChanged.connect(lambda v: self._set(steps=v))
        self.seed.valueChanged.connect(lambda v: self._set(seed=v))
        self.samples.valueChanged.connect(lambda v: self._set(samples=v))
        self.max_size.activated.connect(lambda _: self._set(max_size=self.max_size.currentData()))
        self.tileable.toggled.connect(lambda v: self._set(tileable=v))
        self.device.activated.connect(lambda _: self._set(device=self.device.currentData()))
        self.run.clicked.connect(self.run_requested)
        self.run_all.clicked.connect(self.run_all_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        self._subs = [
            session.subscribe("options_changed", self.refresh),
            session.subscribe("current_changed", lambda _pid: self.refresh()),
            session.subscribe("photo_changed", lambda pid: pid == session.current_id and self.refresh()),
            session.subscribe("photos_changed", self.refresh),
        ]
        self.set_running(False)
        self.refresh()

    def close_subscriptions(self) -> None:
        for unsubscribe in self._subs:
            unsubscribe()
        self._subs = []

    # -- session -> widgets --------------------------------------------------------------------
    def refresh(self) -> None:
        self._updating = True
        try:
            o = self.session.options
            self.task.setCurrentIndex(self.task.findData(o.task))
            use_checkpoint = o.model != "embedded"
            self.model.setCurrentIndex(1 if use_checkpoint else 0)
            if use_checkpoint:
                self.checkpoint.setText(o.model)
                self.base.setText(o.base)
            for widget in (self.checkpoint, self.checkpoint_browse, self.base, self.base_browse):
                widget.setEnabled(use_checkpoint)
            self.steps.setValue(o.steps)
            self.seed.setValue(o.seed)
            self.samples.setValue(o.samples)
            index = self.max_size.findData(o.max_size)
            if index < 0:
                self.max_size.addItem(f"{o.max_size} px", o.max_size)
                index = self.max_size.count() - 1
            self.max_size.setCurrentIndex(index)
            self.tileable.setChecked(o.tileable)
            self.device.setCurrentIndex(self.device.findData(o.device))
            photo = self.session.current
            self.fov.setEnabled(photo is not None and o.task == "svbrdf")
            if photo is not None:
                self.fov.setValue(photo.fov_degrees)
                self.fov_source.setText("from EXIF" if photo.fov_from_exif else "default")
            else:
                self.fov.setValue(45.0)
                self.fov_source.setText("")
            has_photos = bool(self.session.photos)
            if not self._running:
                self.run.setEnabled(photo is not None)
                self.run_all.setEnabled(has_photos)
        finally:
            self._updating = False

    # -- widgets -> session --------------------------------------------------------------------
    def _set(self, **changes) -> None:
        if self._updating:
            return
        try:
            self.session.set_options(**changes)
        except ValueError as error:
            self.status.setText(str(error).capitalize() + ".")
            self.refresh()

    def _fov_changed(self, value: float) -> None:
        photo = self.session.current
        if not self._updating and photo is not None:
            self.session.set_fov(photo.id, float(value))

    def _model_changed(self) -> None:
        if self._updating:
            return
        use_checkpoint = self.model.currentData() == "checkpoint"
        for widget in (self.checkpoint, self.checkpoint_browse, self.base, self.base_browse):
            widget.setEnabled(use_checkpoint)
        path = self.checkpoint.text().strip()
        if use_checkpoint and not path:
            self.status.setText("Choose the checkpoint file and its base-model folder.")
            return
        self._set(model=path if use_checkpoint else "embedded", base=self.base.text().strip())
        self.paths_changed.emit()

    def _pick_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Teamwork checkpoint", self.checkpoint.text(),
                                              "Teamwork adapters (*.safetensors)")
        if path:
            self.checkpoint.setText(path)
            self._model_changed()

    def _pick_base(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Diffusers base-model folder", self.base.text())
        if path:
            self.base.setText(path)
            self._model_changed()

    # -- progress ------------------------------------------------------------------------------
    _running = False
    _last_progress = 0.0

    def set_running(self, running: bool) -> None:
        self._running = running
        self.cancel.setEnabled(running)
        self.run.setEnabled(not running and self.session.current is not None)
        self.run_all.setEnabled(not running and bool(self.session.photos))
        if running:
            self.progress.setValue(0)
            self.status.setText("Starting the engine…")

    def show_progress(self, progress: Progress) -> None:
        # at most ~8 updates a second: each repaint recomposes the window (through GL when the
        # viewport is open), and a faster bar tells the user nothing more
        now = time.monotonic()
        last_step = progress.total and progress.step >= progress.total
        if now - self._last_progress < 0.12 and not last_step and progress.step:
            return
        self._last_progress = now
        self.progress.setValue(round(progress.fraction * 1000))
        label = f"{progress.label}: " if progress.label else ""
        self.status.setText(label + progress.text)

    def show_finished(self, done: int, failed: int) -> None:
        self.progress.setValue(1000 if done and not failed else self.progress.value())
        if failed:
            self.status.setText(f"Finished: {done} done, {failed} failed (see the batch queue).")
        elif done:
            self.status.setText(f"Finished: {done} photo{'s' * (done > 1)} done.")
        else:
            self.status.setText("Stopped.")
