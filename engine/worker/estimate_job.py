"""The worker's real jobs: ``estimate`` (photo -> maps) and ``load_model`` (warm the model cache).

Both wrap ``engine.pipelines.estimate`` (imported lazily: torch and diffusers load only when the
first real job arrives, so the worker itself starts in well under a second).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np

from engine.worker.jobs import JobContext, JobOutput, job

log = logging.getLogger(__name__)


class PipelineNotAvailable(RuntimeError):
    """The estimation pipeline module is missing from this build."""


def _pipeline() -> Any:
    try:
        from engine.pipelines import estimate as pipeline
    except ImportError as error:
        if error.name not in ("engine.pipelines.estimate", "engine.pipelines"):
            raise
        raise PipelineNotAvailable("the estimation pipeline is not part of this build yet") from None
    return pipeline


def make_options(pipeline: Any, options: dict[str, Any]) -> Any:
    """EstimateOptions from a dict, ignoring keys this version of the pipeline does not know."""
    cls = pipeline.EstimateOptions
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(options) - known)
    if unknown:
        log.warning("ignoring unknown estimate options %s", unknown)
    return cls(**{k: v for k, v in options.items() if k in known})


def _cache(ctx: JobContext, pipeline: Any) -> Any:
    cache = ctx.state.get("model_cache")
    if cache is None:
        cache = pipeline.ModelCache()
        ctx.state["model_cache"] = cache
    return cache


@job("estimate")
def estimate_job(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    pipeline = _pipeline()
    photo = arrays["photo"]
    options = make_options(pipeline, params)
    result = pipeline.estimate(
        photo, options, progress=ctx.progress, cancel=ctx.cancel, cache=_cache(ctx, pipeline)
    )
    payload = {
        "task": getattr(result, "task", ""),
        "model": str(getattr(result, "model", "")),
        "timings": {str(k): float(v) for k, v in dict(getattr(result, "timings", {}) or {}).items()},
        "warnings": [str(w) for w in (getattr(result, "warnings", []) or [])],
    }
    maps = {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in result.maps.items()}
    return JobOutput(payload=payload, arrays=maps)


@job("load_model")
def load_model_job(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    pipeline = _pipeline()
    options = make_options(pipeline, params)
    pipeline.load_pipeline(options, _cache(ctx, pipeline))
    return JobOutput(payload={"loaded": True})
