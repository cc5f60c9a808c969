"""About dialog: version, what the app does, and the licences of the code and bundled assets."""

from __future__ import annotations

from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from engine.paths import assets_dir

LICENCES = [
    ("Teamwork Studio", "MIT"),
    ("Bundled HDR environments (assets/hdri)", "CC0 — Greg Zaal, HDRI Haven (hdrihaven.com / Poly Haven)"),
    ("Qt for Python (PySide6)", "LGPL-3.0"),
    ("pyqtgraph", "MIT"),
    ("PyTorch", "BSD-3-Clause"),
    ("diffusers, safetensors, huggingface_hub", "Apache-2.0"),
    ("NumPy", "BSD-3-Clause"),
    ("OpenCV", "Apache-2.0"),
    ("moderngl", "MIT"),
    ("imageio, Pillow", "BSD-2-Clause, MIT-CMU (HPND)"),
    ("OpenEXR", "BSD-3-Clause"),
    ("platformdirs, tqdm", "MIT, MPL-2.0/MIT"),
    ("pygltflib", "MIT"),
]


def version() -> str:
    try:
        return metadata.version("teamwork-studio")
    except metadata.PackageNotFoundError:
        return "development"


def about_html() -> str:
    rows = "".join(f"<tr><td>{name}</td><td style='padding-left:16px'>{lic}</td></tr>"
                   for name, lic in LICENCES)
    hdri_note = ""
    licence_file = assets_dir() / "hdri" / "license.txt"
    if licence_file.exists():
        hdri_note = f"<p><i>HDRI licence file:</i> {licence_file.read_text(encoding='utf-8').strip()}</p>"
    return (
        f"<h2>Teamwork Studio {version()}</h2>"
        "<p>Photos to PBR materials with Teamwork multi-channel diffusion, a relighting viewport and "
        "engine-ready export. Everything runs on your computer; nothing is uploaded.</p>"
        f"<p>Qt for Python {pyside_version}.</p>"
        f"<h3>Licences</h3><table>{rows}</table>{hdri_note}"
    )


class QtAboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Teamwork Studio")
        self.resize(560, 520)
        text = QTextBrowser()
        text.setOpenExternalLinks(True)
        text.setHtml(about_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel())
        layout.addWidget(text)
        layout.addWidget(buttons)
