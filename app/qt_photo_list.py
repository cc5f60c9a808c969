"""The photo list: thumbnails with a status dot, drag & drop of files and folders, remove key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from app.images import PHOTO_SUFFIXES, list_photos, thumbnail
from app.qt_canvas import qimage_from
from app.qt_theme import STATUS_COLOURS
from app.session import Session

THUMB = 72


def expand_dropped(paths: list[Path]) -> list[Path]:
    """Files are kept if they look like photos; folders contribute the photos directly inside."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(list_photos(path))
        elif path.suffix.lower() in PHOTO_SUFFIXES:
            out.append(path)
    return out


class QtPhotoList(QListWidget):
    files_dropped = Signal(list)  # list[Path]
    project_dropped = Signal(Path)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._thumbs: dict[str, QPixmap] = {}
        self.setIconSize(QSize(THUMB, THUMB))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setSpacing(2)
        self.setToolTip("Your photos. Drop image files or folders here; Delete removes the selected ones.")
        self.currentItemChanged.connect(self._on_current_item)
        self._subs = [
            session.subscribe("photos_changed", self.rebuild),
            session.subscribe("photo_changed", self._update_item),
            session.subscribe("current_changed", self._select),
        ]
        self.rebuild()

    def close_subscriptions(self) -> None:
        for unsubscribe in self._subs:
            unsubscribe()
        self._subs = []

    def selected_ids(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.selectedItems()]

    def rebuild(self) -> None:
        self.blockSignals(True)
        self.clear()
        for photo in self.session.photos:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            self.addItem(item)
            self._fill(item, photo.id)
        self.blockSignals(False)
        self._select(self.session.current_id)

    def _fill(self, item: QListWidgetItem, photo_id: str) -> None:
        photo = self.session.photo(photo_id)
        if photo is None:
            return
        if photo_id not in self._thumbs:
            self._thumbs[photo_id] = QPixmap.fromImage(qimage_from(thumbnail(photo.pixels, THUMB)))
        badge = self._badge(self._thumbs[photo_id], photo.status)
        icon = QIcon(badge)
        icon.addPixmap(badge, QIcon.Mode.Selected)  # no highlight tint over the photo's colours
        item.setIcon(icon)
        h, w = photo.pixels.shape[:2]
        edited = "" if photo.rectification.is_identity else " · rectified"
        item.setText(f"{photo.name}\n{w}×{h}{edited} · {photo.status}")
        tip = f"{photo.path}\nStatus: {photo.status}"
        if photo.message:
            tip += f"\n{photo.message}"
        item.setToolTip(tip)

    @staticmethod
    def _badge(pixmap: QPixmap, status: str) -> QPixmap:
        out = QPixmap(THUMB, THUMB)
        out.fill(Qt.GlobalColor.transparent)
        painter = QPainter(out)
        painter.drawPixmap((THUMB - pixmap.width()) // 2, (THUMB - pixmap.height()) // 2, pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(STATUS_COLOURS.get(status, "#888")))
        painter.setPen(QColor("#111"))
        painter.drawEllipse(THUMB - 16, THUMB - 16, 12, 12)
        painter.end()
        return out

    def _update_item(self, photo_id: str) -> None:
        for row in range(self.count()):
            item = self.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == photo_id:
                self._fill(item, photo_id)
                return

    def _select(self, photo_id: str | None) -> None:
        for row in range(self.count()):
            item = self.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == photo_id:
                if self.currentItem() is not item:
                    self.blockSignals(True)
                    self.setCurrentItem(item)
                    self.blockSignals(False)
                return

    def _on_current_item(self, item: QListWidgetItem | None, _previous) -> None:
        if item is not None:
            self.session.select(item.data(Qt.ItemDataRole.UserRole))

    # -- drag & drop -----------------------------------------------------------------------------
    def dragEnterEvent(self, event):  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event):  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event):  # noqa: N802 - Qt override
        if not event.mimeData().hasUrls():
            return super().dropEvent(event)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.handle_paths(paths)

    def handle_paths(self, paths: list[Path]) -> None:
        project = next((p for p in paths if p.suffix == ".twproj"), None)
        if project is not None:
            self.project_dropped.emit(project)
            return
        self.files_dropped.emit(expand_dropped(paths))

    def keyPressEvent(self, event):  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected_ids():
            self.session.remove_photos(self.selected_ids())
        else:
            super().keyPressEvent(event)
