"""A tiny stand-in for the ``estimate`` job that runs inside the real worker process.

It takes the same inputs (``photo`` array, EstimateOptions fields as params) and returns maps with
the engine's names, derived from the photo so that tests can check what reached the worker.
Used as ``QtWorkerBridge(job="tests.app.fake_jobs:fake_estimate")``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from engine.worker.jobs import JobContext, JobOutput

STEP_SECONDS = 0.03


def fake_estimate(ctx: JobContext, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Any]:
    photo = np.array(arrays["photo"], dtype=np.float32)
    steps = int(params.get("steps", 4))
    for step in range(steps):
        time.sleep(float(params.get("seconds_per_step", STEP_SECONDS)))
        yield step + 1, steps, "denoising"
    h, w = photo.shape[:2]
    lum = photo @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    if params.get("task", "svbrdf") == "intrinsic":
        maps = {"albedo": np.clip(photo * 1.2, 0, 1), "diffuseshading": np.ones_like(photo) * 0.8,
                "residual": np.zeros_like(photo)}
    else:
        normals = np.zeros((h, w, 3), np.float32)
        normals[..., 2] = 1.0
        maps = {"diffuse": np.clip(photo * 0.8, 0, 1), "specular": np.full((h, w, 3), 0.04, np.float32),
                "roughness": np.clip(lum[..., None], 0.05, 1.0), "normals": normals}
    payload = {"task": params.get("task", "svbrdf"), "model": "fake", "warnings": [],
               "fov": params.get("fov_degrees")}
    return JobOutput(payload=payload, arrays=maps)
