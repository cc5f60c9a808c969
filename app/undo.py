"""A Qt-free undo/redo stack of commands made of two closures (napari-style: the model owns it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Command:
    text: str
    redo: Callable[[], None]
    undo: Callable[[], None]
    merge_key: str | None = None  # consecutive commands with the same key collapse into one


class UndoStack:
    def __init__(self, limit: int = 200, on_change: Callable[[], None] | None = None) -> None:
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._limit = limit
        self._on_change = on_change or (lambda: None)
        self.clean_index = 0

    def push(self, command: Command) -> None:
        """Run ``command.redo()`` and record it; a same-``merge_key`` top command absorbs it."""
        command.redo()
        top = self._done[-1] if self._done else None
        if command.merge_key and top is not None and top.merge_key == command.merge_key:
            self._done[-1] = Command(command.text, command.redo, top.undo, command.merge_key)
        else:
            self._done.append(command)
            if len(self._done) > self._limit:
                self._done.pop(0)
                self.clean_index -= 1
        self._undone.clear()
        self._on_change()

    def undo(self) -> bool:
        if not self._done:
            return False
        command = self._done.pop()
        command.undo()
        self._undone.append(command)
        self._on_change()
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        command = self._undone.pop()
        command.redo()
        command.merge_key = None  # a redone command never absorbs the next edit
        self._done.append(command)
        self._on_change()
        return True

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self.clean_index = 0
        self._on_change()

    def set_clean(self) -> None:
        self.clean_index = len(self._done)
        if self._done:
            self._done[-1].merge_key = None
        self._on_change()

    @property
    def is_clean(self) -> bool:
        return self.clean_index == len(self._done)

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""
