"""Active teammates: the frozen description of which (sample, teammate) each batch row is.

A `Selection` is immutable and built once per `active(...)` block. The current selection lives in
a `contextvars.ContextVar` owned by each adapted model, so concurrent threads (and asyncio tasks)
each see their own rows; nothing about the rows is stored on the layers themselves.
"""

from __future__ import annotations

import contextlib
import contextvars
import operator
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import torch

from engine.teamwork.config import TeamworkConfig

Row = tuple[int, str]


def _sample_index(value: object) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        index = operator.index(value)
    except TypeError:
        index = -1
    if index < 0:
        raise ValueError(f"Sample index must be a non-negative integer, got {value!r}.")
    return index


@dataclass(frozen=True)
class Selection:
    """Rows of one batch: row k is teammate `rows[k][1]` of sample `rows[k][0]`.

    teammate_index[k]: position of the row's teammate in the adapter tensors.
    sample_index[k]: dense sample id (0..num_samples-1, in order of first appearance).
    group_size: k when the batch is `num_samples` contiguous groups with the same teammates in the
    same order (the usual layout; the team mixing is then a reshape + sum), else None.
    """

    rows: tuple[Row, ...]
    teammates: tuple[str, ...]
    teammate_index: torch.Tensor
    sample_index: torch.Tensor
    num_samples: int
    group_size: int | None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def batch_size(self) -> int:
        return len(self.rows)

    def on(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """(teammate_index, sample_index) on `device`, cached per device."""
        key = str(device)
        cached = self._cache.get(key)
        if cached is None:
            with self._lock:
                cached = self._cache.get(key)
                if cached is None:
                    cached = (self.teammate_index.to(device), self.sample_index.to(device))
                    self._cache[key] = cached
        return cached

    @classmethod
    def build(cls, config: TeamworkConfig, rows: Iterable[Row]) -> Selection:
        rows = tuple((_sample_index(r[0]), r[1]) for r in rows)
        if not rows:
            raise ValueError("The list of active rows is empty; give at least one (sample, teammate).")
        dense: dict[int, int] = {}
        teammate_index, sample_index = [], []
        seen: set[Row] = set()
        for sample, name in rows:
            if (sample, name) in seen:
                raise ValueError(f"Row (sample {sample}, {name!r}) appears twice in the batch.")
            seen.add((sample, name))
            teammate_index.append(config.index(name))
            sample_index.append(dense.setdefault(sample, len(dense)))
        num_samples = len(dense)
        group_size = None
        if len(rows) % num_samples == 0:
            k = len(rows) // num_samples
            first = teammate_index[:k]
            if all(sample_index[i] == i // k and teammate_index[i] == first[i % k] for i in range(len(rows))):
                group_size = k
        return cls(
            rows=rows,
            teammates=config.teammates,
            teammate_index=torch.tensor(teammate_index, dtype=torch.long),
            sample_index=torch.tensor(sample_index, dtype=torch.long),
            num_samples=num_samples,
            group_size=group_size,
        )


class Team:
    """Per adapted model: its config and the context variable holding the current selection."""

    def __init__(self, config: TeamworkConfig) -> None:
        self.config = config
        self._current: contextvars.ContextVar[Selection | None] = contextvars.ContextVar(
            f"teamwork_selection_{id(self):x}", default=None
        )

    def __deepcopy__(self, memo: dict) -> Team:
        return Team(self.config)  # a copied model gets its own rows

    def current(self) -> Selection:
        selection = self._current.get()
        if selection is None:
            raise RuntimeError(
                "A Teamwork-adapted model was called without active rows; wrap the call in "
                "`with engine.teamwork.active(model, rows):`."
            )
        return selection

    @contextlib.contextmanager
    def activate(self, selection: Selection) -> Iterator[Selection]:
        token = self._current.set(selection)
        try:
            yield selection
        finally:
            self._current.reset(token)


def team_of(model: torch.nn.Module) -> Team:
    """The `Team` of a model returned by `adapt`, or a clear error."""
    team = getattr(model, "_teamwork_team", None)
    if not isinstance(team, Team):
        raise TypeError("This model was not adapted with engine.teamwork.adapt(); adapt it first.")
    return team


@contextlib.contextmanager
def active(model: torch.nn.Module, rows: Iterable[Row] | Selection) -> Iterator[Selection]:
    """Set the (sample_index, teammate_name) rows for forwards of `model` inside the block.

    Row k describes batch row k of the denoiser input. Thread-safe: the rows live in a
    ContextVar, so each thread / asyncio task has its own.
    """
    team = team_of(model)
    selection = rows if isinstance(rows, Selection) else Selection.build(team.config, rows)
    if selection.teammates != team.config.teammates:
        raise ValueError("These rows were built for another team; build them for this model's config.")
    with team.activate(selection):
        yield selection
