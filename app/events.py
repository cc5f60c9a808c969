"""``Events``: the Qt-free subscribe/emit the session, the job runner and the material editor share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable


class Events:
    """Named events with callbacks; ``subscribe`` returns the function that unsubscribes."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Callable]] = defaultdict(list)

    def subscribe(self, event: str, callback: Callable) -> Callable[[], None]:
        self._subscribers[event].append(callback)
        return lambda: self._subscribers[event].remove(callback)

    def emit(self, event: str, *args) -> None:
        for callback in list(self._subscribers[event]):  # a callback may unsubscribe itself
            callback(*args)
