"""The export dialog: preset, resolution, bit depth, file type, naming template, target folder and
an overwrite confirmation; writes through ``app.exporting`` (which calls ``engine.export``)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.exporting import BIT_DEPTHS, FILE_TYPES, RESOLUTIONS, ExportChoice, existing_files, preset_choices


class QtExportDialog(QDialog):
    def __init__(self, choice: ExportChoice, photo: str, task: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export texture set")
        self.photo, self.task = photo, task
        self.overwrite_confirmed = False
        self.confirm_overwrite = self._ask_overwrite  # replaced in tests

        self.preset = QComboBox()
        for key, label in preset_choices().items():
            self.preset.addItem(label, key)
        self.preset.setToolTip("Which engine the textures are for: it decides the file names, channel "
                               "packing and normal-map convention.")
        self.resolution = QComboBox()
        for size in RESOLUTIONS:
            self.resolution.addItem("As estimated" if size == 0 else f"{size} px", size)
        self.resolution.setToolTip("Longer side of the exported textures.")
        self.file_type = QComboBox()
        for key, label in FILE_TYPES.items():
            self.file_type.addItem(label, key)
        self.file_type.setToolTip("PNG for most engines; TIFF or EXR for higher-precision height and data.")
        self.bit_depth = QComboBox()
        self.bit_depth.setToolTip("Bits per channel: 16 avoids banding in height and roughness maps.")
        self.naming = QLineEdit()
        self.naming.setToolTip(
            "Name of the material and its folder.\nTokens: {photo}, {task}, {preset}, {date}."
        )
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("choose a folder")
        self.folder.setToolTip("The texture set is written into a sub-folder named by the template.")
        browse = QToolButton(text="…")
        browse.setToolTip("Choose the target folder.")
        self.preview = QLabel()
        self.preview.setObjectName("hint")
        self.preview.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Preset", self.preset)
        form.addRow("Resolution", self.resolution)
        form.addRow("File type", self.file_type)
        form.addRow("Bit depth", self.bit_depth)
        form.addRow("Name", self.naming)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow("Folder", row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("primary")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)

        self.set_choice(choice)
        self.file_type.currentIndexChanged.connect(lambda _: self._fill_depths())
        for signal in (self.preset.currentIndexChanged, self.resolution.currentIndexChanged,
                       self.file_type.currentIndexChanged, self.bit_depth.currentIndexChanged,
                       self.naming.textChanged, self.folder.textChanged):
            signal.connect(lambda *_: self._update_preview())
        browse.clicked.connect(self._browse)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self._update_preview()

    def set_choice(self, choice: ExportChoice) -> None:
        self.preset.setCurrentIndex(max(0, self.preset.findData(choice.preset)))
        self.resolution.setCurrentIndex(max(0, self.resolution.findData(choice.resolution)))
        self.file_type.setCurrentIndex(max(0, self.file_type.findData(choice.file_type)))
        self._fill_depths(choice.bit_depth)
        self.naming.setText(choice.naming)
        self.folder.setText(choice.folder)

    def choice(self) -> ExportChoice:
        return ExportChoice(
            preset=self.preset.currentData(), resolution=self.resolution.currentData(),
            bit_depth=self.bit_depth.currentData() or 16, file_type=self.file_type.currentData(),
            naming=self.naming.text().strip() or "{photo}", folder=self.folder.text().strip(),
        )

    def _fill_depths(self, wanted: int | None = None) -> None:
        wanted = wanted or self.bit_depth.currentData()
        self.bit_depth.blockSignals(True)
        self.bit_depth.clear()
        for depth in BIT_DEPTHS[self.file_type.currentData()]:
            self.bit_depth.addItem(f"{depth}-bit{' float' if self.file_type.currentData() == 'exr' else ''}",
                                   depth)
        index = self.bit_depth.findData(wanted)
        self.bit_depth.setCurrentIndex(index if index >= 0 else self.bit_depth.count() - 1)
        self.bit_depth.blockSignals(False)

    def _update_preview(self) -> None:
        try:
            target = self.choice().target(self.photo, self.task)
            self.preview.setText(f"Writes to {target}")
            self.export_button.setEnabled(True)
        except Exception as error:  # noqa: BLE001 - ExportError: shown inline
            self.preview.setText(str(error))
            self.export_button.setEnabled(False)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export folder", self.folder.text())
        if path:
            self.folder.setText(path)

    def _ask_overwrite(self, files: list) -> bool:
        names = ", ".join(p.name for p in files[:6]) + (" …" if len(files) > 6 else "")
        answer = QMessageBox.question(
            self, "Overwrite files?",
            f"The folder already holds {len(files)} file(s): {names}\n\nReplace them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _accept(self) -> None:
        target = self.choice().target(self.photo, self.task)
        files = existing_files(target)
        if files and not self.confirm_overwrite(files):
            return
        self.overwrite_confirmed = bool(files)
        self.accept()
