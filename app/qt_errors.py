"""Humane error dialogs: one sentence up front, what to do next, the technical details folded away."""

from __future__ import annotations

import logging
import re

from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)

# Worker error kinds -> what the user can do about it.
ADVICE = {
    "model_not_available": "Choose a local Teamwork checkpoint and its base-model folder in the Task panel.",
    "crashed": "The engine was restarted; you can run again.",
    "out_of_memory": "Try a smaller maximum size, fewer samples, or the CPU device.",
    "bad_request": "Check the task settings and try again.",
}


def humane(message: str, kind: str = "failed") -> str:
    """The text shown to the user: the engine's sentence plus advice for known kinds."""
    message = message.strip() or "Something went wrong."
    if kind == "crashed":  # "(killed by signal 9)" belongs in the details, not in the sentence
        message = re.sub(r"\s*\([^)]*\)", "", message).replace("worker crashed", "stopped unexpectedly")
    if kind == "failed" and "out of memory" in message.lower():
        kind = "out_of_memory"
    advice = ADVICE.get(kind)
    return f"{message}\n\n{advice}" if advice else message


def error_box(parent: QWidget | None, title: str, message: str, details: str = "",
              kind: str = "failed") -> QMessageBox:
    """A non-blocking (window-modal) message box; "Show Details…" expands the technical text."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(humane(message, kind))
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setObjectName("errorBox")
    log.info("%s: %s", title, message)
    box.open()
    return box
