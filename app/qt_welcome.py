"""The first-run welcome view: open the bundled sample in one click, or your own photos, and a
three-sentence explanation of the flash-photo capture."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

CAPTURE = (
    "Photograph the surface with your phone's flash on, holding the camera roughly parallel to it "
    "at about arm's length. Turn other lights down so the flash is the main light, and keep the "
    "flash's bright spot inside the frame. Teamwork Studio then estimates the diffuse colour, "
    "specular, roughness and normals from that single photo."
)


class QtWelcome(QWidget):
    open_sample = Signal()
    open_photos = Signal()
    open_project = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Teamwork Studio")
        title.setObjectName("title")
        subtitle = QLabel("Turn a photo into a PBR material, relight it, export it to your engine.")
        subtitle.setObjectName("hint")
        self.sample = QPushButton("Open the sample photo")
        self.sample.setObjectName("primary")
        self.sample.setToolTip("Load the bundled flash photo of a material so you can try every step.")
        self.photos = QPushButton("Open photos…")
        self.photos.setToolTip("Choose photos from your disk (Ctrl+O). You can also drop files or "
                               "folders anywhere in this window.")
        self.project = QPushButton("Open project…")
        self.project.setToolTip("Reopen a saved .twproj project (Ctrl+Shift+O).")
        heading = QLabel("How to take a flash photo")
        heading.setStyleSheet("font-weight: 600; margin-top: 18px;")
        capture = QLabel(CAPTURE)
        capture.setWordWrap(True)
        capture.setFixedWidth(600)
        capture.setMinimumHeight(capture.heightForWidth(600) + 6)
        steps = QLabel("1  Open a photo   ·   2  Drag the corners to straighten it   ·   3  Run   ·   "
                       "4  Inspect and relight   ·   5  Export")
        steps.setObjectName("hint")

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.sample, self.photos, self.project):
            button.setMinimumHeight(36)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (title, subtitle):
            layout.addWidget(widget, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(20)
        layout.addLayout(buttons)
        layout.addWidget(heading, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(capture, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addWidget(steps, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

        self.sample.clicked.connect(self.open_sample)
        self.photos.clicked.connect(self.open_photos)
        self.project.clicked.connect(self.open_project)
