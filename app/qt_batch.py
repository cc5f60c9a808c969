"""The batch queue: every photo with its status and message, run all / retry failed / cancel, and
an optional output folder each finished result is exported to (with the export dialog's preset)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.qt_theme import STATUS_COLOURS
from app.session import Session


class QtBatchQueue(QWidget):
    run_all_requested = Signal()
    retry_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Photo", "Status", "Message"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 130)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setToolTip("Every photo of the project with its status; double-click a row to show it.")

        self.run_all = QPushButton("Run all")
        self.run_all.setToolTip("Process every photo that has no result yet with the current task settings.")
        self.retry = QPushButton("Retry failed")
        self.retry.setToolTip("Queue again the photos that failed or were cancelled.")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the running job and empty the queue.")
        self.auto_export = QCheckBox("Export each finished result to this folder:")
        self.auto_export.setToolTip("Write each finished texture set to this folder (one sub-folder per "
                                    "photo) with the preset chosen in the export dialog.")
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("output folder")
        self.folder.setToolTip("Where batch results are exported.")
        self.browse = QToolButton(text="…")
        self.browse.setToolTip("Choose the output folder.")
        self.open_folder = QPushButton("Open folder")
        self.open_folder.setToolTip("Show the output folder in your file manager.")

        buttons = QHBoxLayout()
        for widget in (self.run_all, self.retry, self.cancel):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        output = QHBoxLayout()
        output.addWidget(self.folder, 1)
        output.addWidget(self.browse)
        output.addWidget(self.open_folder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.auto_export)
        layout.addLayout(output)

        self.run_all.clicked.connect(self.run_all_requested)
        self.retry.clicked.connect(self.retry_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        self.browse.clicked.connect(self._pick_folder)
        self.open_folder.clicked.connect(self.open_output_folder)
        self.table.cellDoubleClicked.connect(self._activate)
        self._subs = [
            session.subscribe("photos_changed", self.rebuild),
            session.subscribe("photo_changed", self._update_row),
        ]
        self.set_running(False)
        self.rebuild()

    def close_subscriptions(self) -> None:
        for unsubscribe in self._subs:
            unsubscribe()
        self._subs = []

    def set_running(self, running: bool) -> None:
        self.cancel.setEnabled(running)
        self.run_all.setEnabled(not running and bool(self.session.photos))
        self.retry.setEnabled(not running and any(p.status in ("failed", "cancelled")
                                                  for p in self.session.photos))

    def rebuild(self) -> None:
        self.table.setRowCount(len(self.session.photos))
        for row, photo in enumerate(self.session.photos):
            self._fill(row, photo.id)
        self.set_running(self.cancel.isEnabled())

    def _fill(self, row: int, photo_id: str) -> None:
        photo = self.session.photo(photo_id)
        name = QTableWidgetItem(photo.name)
        name.setData(Qt.ItemDataRole.UserRole, photo.id)
        name.setToolTip(str(photo.path))
        status = QTableWidgetItem(photo.status)
        status.setForeground(QColor(STATUS_COLOURS.get(photo.status, "#ccc")))
        message = QTableWidgetItem(photo.message)
        message.setToolTip(photo.message)
        for column, item in enumerate((name, status, message)):
            self.table.setItem(row, column, item)

    def _update_row(self, photo_id: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == photo_id:
                self._fill(row, photo_id)
        self.set_running(self.cancel.isEnabled())

    def status_of(self, photo_id: str) -> str:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == photo_id:
                return self.table.item(row, 1).text()
        return ""

    def _activate(self, row: int, _column: int) -> None:
        self.session.select(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole))

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Batch output folder", self.folder.text())
        if path:
            self.folder.setText(path)
            self.auto_export.setChecked(True)

    def open_output_folder(self) -> bool:
        folder = self.folder.text().strip()
        if not folder:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(folder))
