"""The results panel: the photo and every estimated map side by side, each in a pyqtgraph ImageView
(zoom/pan, histogram and levels), one channel selector for all, and synced zoom/pan."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.map_display import CHANNELS, display_u8, ordered, select_channel, title
from app.session import Session

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
PREVIEW_MAX = 1024


class MapView(QWidget):
    """One titled ImageView."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.label = QLabel(title(name))
        self.label.setStyleSheet("font-weight: 600;")
        self.view = pg.ImageView()
        self.view.ui.roiBtn.hide()
        self.view.ui.menuBtn.hide()
        self.view.getView().setBackgroundColor("#1a1c20")
        self.view.setToolTip(f"{title(name)}: scroll to zoom, drag to pan; drag the histogram's handles "
                             "to change the displayed levels.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.view, 1)
        self.values = None

    def set_values(self, values, channel: str) -> None:
        self.values = values
        self.show_channel(channel)

    def show_channel(self, channel: str) -> None:
        if self.values is None:
            return
        # 8-bit display values: pyqtgraph's lookup, min/max and histogram paths are much faster
        image = select_channel(self.values, channel)
        self.view.setImage(image, autoRange=False, autoLevels=False, levels=(0, 255),
                           autoHistogramRange=False)
        self.view.getHistogramWidget().setHistogramRange(0, 255)


class QtResultsPanel(QWidget):
    repair_requested = Signal()  # "Repair or tile…": the window shows its repair page

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.views: dict[str, MapView] = {}  # pool, by map name
        self.shown: list[str] = []
        self._shown: tuple | None = None
        self._pending: list = []
        self._warm: list[str] = []
        self._first_fill = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fill_next)

        self.channel = QComboBox()
        self.channel.addItems(list(CHANNELS))
        self.channel.setToolTip("Show all colour channels or a single one (greyscale) in every view.")
        self.sync = QCheckBox("Sync zoom")
        self.sync.setChecked(True)
        self.sync.setToolTip("Zoom and pan all views together to compare the same spot in every map.")
        self.show_photo = QCheckBox("Show photo")
        self.show_photo.setChecked(True)
        self.show_photo.setToolTip("Show the (rectified) input photo next to the maps.")
        self.info = QLabel()
        self.info.setObjectName("hint")
        self.repair = QPushButton("Repair or tile…")
        self.repair.setToolTip("Paint over blemishes to repair them in the photo and every map, or make the "
                               "material tileable (Material menu).")
        self.repair.clicked.connect(self.repair_requested)
        self.empty = QLabel("No results yet. Select a photo and press Run (Ctrl+R); the maps appear here.")
        self.empty.setObjectName("hint")

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Channel"))
        bar.addWidget(self.channel)
        bar.addWidget(self.sync)
        bar.addWidget(self.show_photo)
        bar.addStretch(1)
        bar.addWidget(self.info)
        bar.addWidget(self.repair)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.grid_host, 1)

        self.channel.currentTextChanged.connect(self._channel_changed)
        self.sync.toggled.connect(lambda _: self._link())
        self.show_photo.toggled.connect(lambda _: self.refresh(force=True))
        self._subs = [
            session.subscribe("current_changed", lambda _pid: self.refresh()),
            session.subscribe("photo_changed", lambda pid: pid == session.current_id and self.refresh()),
        ]
        self.refresh()

    def close_subscriptions(self) -> None:
        self._timer.stop()
        self._pending, self._warm = [], []
        for unsubscribe in self._subs:
            unsubscribe()
        self._subs = []

    def map_names(self) -> list[str]:
        return [n for n in self.shown if n != "photo"]

    def view(self, name: str) -> MapView:
        """The pooled view of ``name``; created once and reused (creating an ImageView is slow)."""
        if name not in self.views:
            self.views[name] = MapView(name)
            self.views[name].hide()
        return self.views[name]

    def prewarm(self, names=("photo", "diffuse", "specular", "roughness", "normals")) -> None:
        """Create the usual views one per event-loop turn while the app is idle."""
        self._warm = [n for n in names if n not in self.views]
        self._schedule()

    def refresh(self, force: bool = False) -> None:
        photo = self.session.current
        result = photo.result if photo else None
        key = (photo.id if photo else None, id(result), photo.rectification if photo else None)
        if key == self._shown and not force:
            return
        self._shown = key
        self._pending = []
        self.empty.setVisible(result is None)
        self.grid_host.setVisible(result is not None)
        self.repair.setEnabled(result is not None)
        if result is None:  # keep the views laid out (hidden): the next result reuses them as they are
            self.info.setText("")
            return
        arrays = dict(result.maps)
        if self.show_photo.isChecked():
            arrays["photo"] = photo.result_photo()  # the repaired photo once the result was repaired
        self._layout(ordered(arrays))
        if "photo" in self.views:
            repaired = result.photo is not None
            self.views["photo"].label.setText("Photo (repaired)" if repaired else title("photo"))
        self._pending = [(name, arrays[name]) for name in self.shown]
        self._first_fill = True
        h, w = next(iter(result.maps.values())).shape[:2]
        self.info.setText(f"{result.task} · {w}×{h} px · {result.seconds:.1f} s"
                          + "".join(f" · {edit}" for edit in result.edits)
                          + (f" · {'; '.join(result.warnings)}" if result.warnings else ""))
        self._schedule()

    def _layout(self, names: list[str]) -> None:
        """Place the views of ``names`` in the grid; untouched when the names did not change
        (re-laying out pyqtgraph views costs a resize cascade through every linked view)."""
        if names == self.shown:
            return
        for name in self.shown:
            self.grid.removeWidget(self.views[name])
            self.views[name].hide()
        columns = 3 if len(names) > 4 else 2
        for index, name in enumerate(names):
            view = self.view(name)
            self.grid.addWidget(view, index // columns, index % columns)
            view.show()
        self.shown = list(names)
        self._link()

    @property
    def complete(self) -> bool:
        """Every shown map has its image (the views fill one per event-loop turn)."""
        return not self._pending

    def _schedule(self) -> None:
        if (self._pending or self._warm) and not self._timer.isActive():
            self._timer.start()

    def _fill_next(self) -> None:
        """One unit of work per event-loop turn keeps the window responsive."""
        if self._pending and self._pending[0][1] is not None and self._pending[0][1].dtype != np.uint8:
            name, array = self._pending[0]  # tick 1: display values; tick 2: hand them to the view
            step = max(1, -(-max(array.shape[:2]) // PREVIEW_MAX))
            self._pending[0] = (name, display_u8(name, array[::step, ::step]))
        elif self._pending:
            name, values = self._pending.pop(0)
            view = self.view(name)
            view.set_values(values, self.channel.currentText())
            if self._first_fill and not self._pending:  # last map in: frame them all (views are linked)
                self._first_fill = False
                self.views[self.shown[0]].view.getView().autoRange(padding=0.02)
        elif self._warm:
            self.view(self._warm.pop(0))
        self._schedule()

    def _channel_changed(self, channel: str) -> None:
        for name in self.shown:
            self.views[name].show_channel(channel)

    def _link(self) -> None:
        views = [self.views[n].view.getView() for n in self.shown]
        if not views:
            return
        master = views[0]
        for other in views[1:]:
            other.setXLink(master if self.sync.isChecked() else None)
            other.setYLink(master if self.sync.isChecked() else None)
