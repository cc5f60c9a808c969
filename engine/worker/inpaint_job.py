"""The worker's material-editing jobs: ``inpaint`` (Repair region) and ``make_tileable``.

Both wrap ``engine.pipelines.inpaint`` (imported lazily, like the estimate job) and share the
worker's warm model cache with ``estimate``. Arrays in and out:

- ``map:<name>``: one engine map ``HxWxC`` float32 per name (``map:image``, ``map:diffuse``, ...),
  all of one size; the result carries the same keys.
- ``mask`` (``inpaint`` only): ``HxW`` float32, 1 = fill.

Params are the fields of ``InpaintOptions`` (unknown keys are ignored with a warning in the log).
The payload is ``{method, warnings, timings}``; ``method`` is ``"teamwork"``, ``"telea"`` or
``"none"`` (an empty mask).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np

from engine.worker.estimate_job import _cache
from engine.worker.jobs import JobContext, JobOutput, job

log = logging.getLogger(__name__)

MAP_PREFIX = "map:"
MASK = "mask"


def map_arrays(maps: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``{name: map}`` -> ``{"map:<name>": float32 array}`` (what the jobs take and return)."""
    return {MAP_PREFIX + name: np.ascontiguousarray(value, dtype=np.float32) for name, value in maps.items()}


def maps_from_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The ``map:<name>`` arrays as ``{name: float32 copy}`` (inputs are shared-memory views)."""
    return {key[len(MAP_PREFIX):]: np.array(value, dtype=np.float32)
            for key, value in arrays.items() if key.startswith(MAP_PREFIX)}


def make_inpaint_options(options: dict[str, Any]) -> Any:
    """InpaintOptions from a dict, ignoring keys this version of the pipeline does not know."""
    from engine.pipelines.inpaint import InpaintOptions

    known = {f.name for f in dataclasses.fields(InpaintOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        log.warning("ignoring unknown inpaint options %s", unknown)
    return InpaintOptions(**{k: v for k, v in options.items() if k in known})


def _inputs(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    maps = maps_from_arrays(arrays)
    if not maps:
        raise ValueError("Give at least one map (an array named map:<name>) to edit.")
    return maps


def _output(result: Any) -> JobOutput:
    payload = {
        "method": str(result.method),
        "warnings": [str(w) for w in result.warnings],
        "timings": {str(k): float(v) for k, v in dict(result.timings).items()},
    }
    return JobOutput(payload=payload, arrays=map_arrays(result.maps))


def _progress(ctx: JobContext, stage: str):
    return lambda step, total: ctx.progress(step, total, stage)


@job("inpaint")
def inpaint_job(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    from engine.pipelines import estimate, inpaint

    maps = _inputs(arrays)
    if MASK not in arrays:
        raise ValueError("Paint the region to repair first (the inpaint job got no mask).")
    mask = np.array(arrays[MASK], dtype=np.float32)
    options = make_inpaint_options(params)
    result = inpaint.inpaint(maps, mask, options, progress=_progress(ctx, "inpainting"), cancel=ctx.cancel,
                             cache=_cache(ctx, estimate))
    return _output(result)


@job("make_tileable")
def make_tileable_job(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    from engine.pipelines import estimate, inpaint

    maps = _inputs(arrays)
    options = make_inpaint_options(params)
    result = inpaint.make_tileable(maps, options, progress=_progress(ctx, "tiling"), cancel=ctx.cancel,
                                   cache=_cache(ctx, estimate))
    return _output(result)
