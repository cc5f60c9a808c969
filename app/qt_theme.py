"""A clean dark theme: Fusion style, a dark palette and a small stylesheet for spacing and accents."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#3d8ee6"
STATUS_COLOURS = {
    "ready": "#9aa3ad",
    "queued": "#c9a227",
    "running": ACCENT,
    "done": "#4caf6a",
    "failed": "#e0564b",
    "cancelled": "#9aa3ad",
}

STYLESHEET = f"""
QToolTip {{ color: #e8e8e8; background: #2b2f36; border: 1px solid #4a505a; padding: 4px; }}
QDockWidget::title {{ background: #2a2d33; padding: 5px 8px; font-weight: 600; }}
QPushButton {{ padding: 5px 12px; border-radius: 4px; background: #3a3f47; border: 1px solid #4a505a; }}
QPushButton:hover {{ background: #454b55; }}
QPushButton:disabled {{ color: #6c737d; background: #2f333a; }}
QPushButton#primary {{ background: {ACCENT}; border: 1px solid {ACCENT}; color: white; font-weight: 600; }}
QPushButton#primary:hover {{ background: #5aa2ee; }}
QPushButton#primary:disabled {{ background: #2f4a66; color: #9ab; border-color: #2f4a66; }}
QProgressBar {{ border: 1px solid #4a505a; border-radius: 4px; text-align: center; height: 16px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QGroupBox {{ border: 1px solid #3a3f47; border-radius: 5px; margin-top: 14px; padding-top: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: #b8c0ca; }}
QLabel#hint {{ color: #9aa3ad; }}
QLabel#title {{ font-size: 20pt; font-weight: 600; }}
QListWidget, QTableWidget, QPlainTextEdit {{ background: #1e2126; border: 1px solid #33373e; }}
"""


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#25282d",
        QPalette.ColorRole.WindowText: "#e3e6ea",
        QPalette.ColorRole.Base: "#1e2126",
        QPalette.ColorRole.AlternateBase: "#262a30",
        QPalette.ColorRole.ToolTipBase: "#2b2f36",
        QPalette.ColorRole.ToolTipText: "#e8e8e8",
        QPalette.ColorRole.Text: "#e3e6ea",
        QPalette.ColorRole.Button: "#30343b",
        QPalette.ColorRole.ButtonText: "#e3e6ea",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#6fb0ff",
        QPalette.ColorRole.PlaceholderText: "#7d848e",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c737d"))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)
