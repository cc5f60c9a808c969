"""Qt-free progress reporting and cooperative cancellation shared by pipelines, worker and CLI."""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(step, total)`` after each unit of work."""


class Cancelled(Exception):
    """Raised inside a long operation when its cancel token was triggered."""


class CancelToken:
    """A flag a long operation checks between steps; safe to set from another thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user")
