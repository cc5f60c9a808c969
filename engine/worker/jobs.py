"""The worker's job registry: named functions the worker process can run.

A job is ``fn(ctx: JobContext, params: dict, arrays: dict[str, np.ndarray]) -> JobOutput`` or a
generator that yields ``(step, total)`` / ``(step, total, stage)`` tuples and *returns* a
:class:`JobOutput`. The server checks for cancellation between yields; a job that calls
``ctx.progress(step, total)`` instead (like the estimation pipeline's callback) gets the same check
inside that call. Input arrays are zero-copy views onto shared memory: do not keep them after the job.

Jobs are looked up by name in :data:`JOBS` (filled by :func:`job`), or given as ``"module:function"``
(the module is imported in the worker): tests and extensions run their own jobs that way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.progress import CancelToken


@dataclass
class JobOutput:
    payload: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class JobContext:
    job_id: int
    label: str
    cancel: CancelToken
    send_progress: Callable[[int, int, str], None]
    cache: Any = None  # engine.pipelines.estimate.ModelCache, created lazily by the estimate job
    state: dict[str, Any] = field(default_factory=dict)  # survives between jobs (warm objects)

    def progress(self, step: int, total: int, stage: str = "") -> None:
        """Report progress and stop here (raise Cancelled) if the job was cancelled."""
        self.send_progress(int(step), int(total), stage)
        self.cancel.raise_if_cancelled()


JobFunction = Callable[[JobContext, dict[str, Any], dict[str, np.ndarray]], JobOutput | Iterator[Any]]

JOBS: dict[str, JobFunction] = {}


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``fn`` under ``name`` (decorator)."""

    def register(fn: JobFunction) -> JobFunction:
        JOBS[name] = fn
        return fn

    return register


def resolve(name: str) -> JobFunction:
    """The job called ``name``; raises LookupError with a clear sentence when there is none."""
    _load_builtin_jobs()
    if name in JOBS:
        return JOBS[name]
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            module = importlib.import_module(module_name)
            fn = getattr(module, attr)
        except (ImportError, AttributeError) as error:
            raise LookupError(f"the engine has no job called {name!r} ({error})") from None
        if callable(fn):
            return fn
    raise LookupError(f"the engine has no job called {name!r}")


def _load_builtin_jobs() -> None:
    # Imported for their @job registrations; kept lazy so that importing the protocol stays cheap.
    from engine.worker import diagnostics, estimate_job, inpaint_job  # noqa: F401
