"""Hosts the relighting viewport (``app.viewport.QtViewport``) for the current photo's maps, or a
placeholder that says why it is not there (not built, or no OpenGL)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from app.exporting import resize_maps
from app.session import Session

log = logging.getLogger(__name__)

VIEWPORT_MAPS = ("diffuse", "specular", "roughness", "normals", "albedo", "height")
FALLBACK_SIZE = 192


def create_viewport(parent: QWidget | None = None) -> tuple[QWidget | None, str]:
    """(the QtViewport, "") or (None, why not)."""
    try:
        from app.viewport import QtViewport
    except (ImportError, AttributeError) as error:
        log.info("the relighting viewport is not available: %s", error)
        return None, "The relighting viewport is not part of this build yet."
    try:
        return QtViewport(parent), ""
    except Exception as error:  # noqa: BLE001 - a GL failure must not stop the app
        log.exception("cannot create the relighting viewport")
        return None, f"The relighting viewport could not start: {error}"


class QtViewportDock(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.viewport, reason = create_viewport(self)
        self.placeholder = QLabel(reason or "Run a photo to relight its material here.")
        self.placeholder.setObjectName("hint")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tiling = QSpinBox()
        self.tiling.setRange(1, 8)
        self.tiling.setPrefix("×")
        self.tiling.setToolTip("Repeats of the material across the surface: check that a tileable material "
                               "has no visible seams (Material ▸ Make tileable sets ×3).")
        self.tiling.setEnabled(self.viewport is not None)
        self.tiling.valueChanged.connect(self._tiling_changed)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Tiling"))
        bar.addWidget(self.tiling)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.placeholder)
        if self.viewport is not None:
            self.viewport.setToolTip("Left-drag moves the light, right-drag orbits, wheel changes the "
                                     "light height (Shift+wheel zooms).")
            layout.addWidget(self.viewport, 1)
        self._subs = [
            session.subscribe("current_changed", lambda _pid: self.refresh()),
            session.subscribe("photo_changed", lambda pid: pid == session.current_id and self.refresh()),
        ]
        self._shown = None
        self.refresh()

    def close_subscriptions(self) -> None:
        for unsubscribe in self._subs:
            unsubscribe()
        self._subs = []

    def set_tiling(self, repeats: int) -> None:
        """Show the material repeated ``repeats`` times across each face (1-8)."""
        self.tiling.setValue(repeats)

    def _tiling_changed(self, repeats: int) -> None:
        if self.viewport is not None:
            self.viewport.update_settings(tiling=int(repeats))

    def refresh(self) -> None:
        photo = self.session.current
        result = photo.result if photo else None
        if self.viewport is None or result is self._shown:
            return
        self._shown = result
        maps = {k: v for k, v in result.maps.items() if k in VIEWPORT_MAPS} if result else {}
        if maps and getattr(self.viewport, "using_fallback", False):
            # the no-GL preview renders on the CPU (in a background thread): small maps keep it quick
            maps = resize_maps(maps, FALLBACK_SIZE)
        try:
            if maps:
                self.viewport.set_maps(maps)
            else:
                self.viewport.clear_maps()
            self.placeholder.setVisible(not maps)
            self.viewport.setVisible(bool(maps))
        except Exception as error:  # noqa: BLE001 - e.g. an intrinsic result the viewport cannot show
            log.info("the viewport cannot show this result: %s", error)
            self.placeholder.setText(f"The viewport cannot show this result: {error}")
            self.placeholder.setVisible(True)
            self.viewport.setVisible(False)
