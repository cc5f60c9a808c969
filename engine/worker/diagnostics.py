"""Small built-in jobs for self-tests, benchmarks and the worker's own tests (no model needed)."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from engine.worker.jobs import JobContext, JobOutput, job

log = logging.getLogger(__name__)


@job("diag.sleep")
def sleep_steps(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Any]:
    """``steps`` steps of ``delay`` seconds each; yields progress (cancel is checked between steps)."""
    steps = int(params.get("steps", 3))
    delay = float(params.get("delay", 0.01))
    for step in range(steps):
        time.sleep(delay)
        yield step + 1, steps, "sleeping"
    return JobOutput(payload={"steps": steps})


@job("diag.callback_steps")
def callback_steps(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    """Like diag.sleep but reports through ``ctx.progress`` the way the estimation pipeline does."""
    steps = int(params.get("steps", 3))
    delay = float(params.get("delay", 0.01))
    for step in range(steps):
        time.sleep(delay)
        ctx.progress(step + 1, steps, "denoising")
    return JobOutput(payload={"steps": steps})


@job("diag.echo")
def echo(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    """Returns every input array multiplied by ``scale`` and the params it was given."""
    scale = float(params.get("scale", 1.0))
    out = {name: (a * np.asarray(scale, dtype=a.dtype)) if scale != 1.0 else a for name, a in arrays.items()}
    log.info("echo of %d arrays for %s", len(arrays), ctx.label)
    return JobOutput(payload={"params": params, "pid": os.getpid()}, arrays=out)


@job("diag.allocate")
def allocate(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Any]:
    """Returns ``count`` float32 arrays of ``shape`` filled with their index (tests result blocks)."""
    shape = tuple(int(d) for d in params.get("shape", (4, 4, 3)))
    count = int(params.get("count", 1))
    out = {}
    for index in range(count):
        out[f"a{index}"] = np.full(shape, float(index), dtype=np.float32)
        yield index + 1, count, "allocating"
    return JobOutput(payload={"count": count}, arrays=out)


@job("diag.fail")
def fail(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    """Raises a plain exception (the worker must survive and report one sentence)."""
    raise RuntimeError(str(params.get("message", "deliberate failure")))


@job("diag.crash")
def crash(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Any]:
    """After ``after`` steps the worker kills itself with ``signal`` (default SIGKILL) or exits."""
    after = int(params.get("after", 1))
    for step in range(after):
        yield step + 1, after + 1, "about to crash"
    if "exit_code" in params:
        os._exit(int(params["exit_code"]))
    os.kill(os.getpid(), int(params.get("signal", signal.SIGKILL)))
    time.sleep(10)
    return JobOutput()


@job("diag.hang")
def hang(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    """Stops the heartbeat and blocks (simulates a wedged worker)."""
    ctx.state["heartbeat_paused"] = True
    time.sleep(float(params.get("seconds", 30)))
    return JobOutput()


@job("diag.stats")
def stats(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    """The worker's pid and peak resident memory (MiB), for benchmarks."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024  # bytes on macOS, KiB on Linux
    return JobOutput(payload={"pid": os.getpid(), "peak_rss_mib": round(peak * scale, 1)})
