"""Jobs the worker tests run by "module:function" name (imported inside the worker process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.worker.jobs import JobContext, JobOutput


class ModelNotAvailable(RuntimeError):
    """Stands in for engine.pipelines.estimate.ModelNotAvailable (matched by class name)."""


def no_model(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    raise ModelNotAvailable("the embedded model is not shipped with this build yet; pass --model PATH.")


def fake_estimate(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> JobOutput:
    """Shaped like the estimate job: photo in, named maps out, payload with task/model/timings."""
    photo = arrays["photo"]
    steps = int(params.get("steps", 2))
    for step in range(steps):
        ctx.progress(step + 1, steps, "denoising")
    maps = {"diffuse": photo * 0.5, "roughness": photo[..., :1].copy()}
    if params.get("full"):  # a complete SVBRDF, for presets that need every map
        normals = np.zeros_like(photo)
        normals[..., 2] = 1.0
        maps.update(specular=photo * 0.1, normals=normals)
    payload = {
        "task": params.get("task", "svbrdf"),
        "model": "fake",
        "timings": {"total": 0.0},
        "warnings": [],
    }
    return JobOutput(payload=payload, arrays=maps)
