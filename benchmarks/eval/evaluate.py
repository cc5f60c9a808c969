"""Run predictors over held-out cases and summarise the errors against the baseline.

``evaluate_svbrdf(predictors, cases)`` / ``evaluate_intrinsic(predictors, cases)`` return a JSON-ready
section: the cases, and per predictor the per-case errors, their means over all cases, over the
held-out families and over the training families (new seeds), and the seconds per case.
``compare(section, reference="baseline")`` adds each metric's relative improvement
``1 - model / baseline`` (PSNR: the gain in dB instead); ``goal_check`` tests the issue's goals.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import torch

from benchmarks.eval.heldout import IntrinsicCase, SvbrdfCase
from benchmarks.eval.metrics import intrinsic_errors, novel_renders, svbrdf_errors

log = logging.getLogger(__name__)

HIGHER_IS_BETTER = frozenset({"albedo_psnr"})
SVBRDF_GOALS = {"rerender_rmse": 0.30, "normals_degrees": 0.30}
"""Issue 10: at least 30 % lower re-render RMSE and normal error than the baseline."""
INTRINSIC_GOALS = {"albedo_si_rmse": 0.30, "shading_si_rmse": 0.30}
"""Issue 10: at least 30 % lower albedo and shading si-RMSE than the baseline."""


def _summarise(per_case: dict[str, list[float]], held: Sequence[bool]) -> dict[str, dict[str, float]]:
    def mean(values: list[float], pick: Sequence[bool] | None) -> float | None:
        chosen = [v for v, p in zip(values, pick or [True] * len(values), strict=True) if p]
        return float(sum(chosen) / len(chosen)) if chosen else None

    unseen = list(held)
    seen = [not h for h in held]
    return {
        "mean": {k: mean(v, None) for k, v in per_case.items()},
        "mean_held_out_families": {k: mean(v, unseen) for k, v in per_case.items()},
        "mean_training_families": {k: mean(v, seen) for k, v in per_case.items()},
    }


def _record(errors: list[dict[str, torch.Tensor]]) -> dict[str, list[float]]:
    keys = errors[0].keys()
    return {k: [float(e[k].reshape(-1)[0]) for e in errors] for k in keys}


def evaluate_svbrdf(predictors: Sequence, cases: Sequence[SvbrdfCase]) -> dict:
    """Errors of every predictor on the SVBRDF cases (see the module docstring)."""
    if not cases:
        raise ValueError("The SVBRDF evaluation needs at least one case.")
    references = [novel_renders(c.maps, [c.fov_degrees]) for c in cases]
    section = {
        "cases": [{"name": c.name, "family": c.family, "held_out_family": c.held_out_family,
                   "seed": c.seed, "fov_degrees": c.fov_degrees} for c in cases],
        "predictors": {},
    }
    held = [c.held_out_family for c in cases]
    for predictor in predictors:
        errors, seconds = [], 0.0
        for case, reference in zip(cases, references, strict=True):
            with torch.no_grad():
                started = time.perf_counter()
                pred = predictor.svbrdf(case.image, case.halfway, case.fov_degrees)
                seconds += (time.perf_counter() - started) / len(cases)
                errors.append(svbrdf_errors(pred, case.maps, [case.fov_degrees], reference))
        per_case = _record(errors)
        log.info("SVBRDF %s: %s", predictor.name, {k: round(sum(v) / len(v), 4) for k, v in per_case.items()})
        section["predictors"][predictor.name] = {
            "info": predictor.info, "per_case": per_case, "seconds_per_case": seconds,
            **_summarise(per_case, held),
        }
    return section


def evaluate_intrinsic(predictors: Sequence, cases: Sequence[IntrinsicCase]) -> dict:
    """Errors of every predictor on intrinsic cases (HDRI-lit planes or path-traced scenes)."""
    if not cases:
        raise ValueError("The intrinsic evaluation needs at least one case.")
    section = {
        "cases": [{"name": c.name, "family": c.family, "held_out_family": c.held_out_family,
                   "environment": c.environment, **c.extras} for c in cases],
        "predictors": {},
    }
    held = [c.held_out_family for c in cases]
    for predictor in predictors:
        errors, seconds = [], 0.0
        for case in cases:
            with torch.no_grad():
                started = time.perf_counter()
                pred = predictor.intrinsic(case.image)
                seconds += (time.perf_counter() - started) / len(cases)
                errors.append(intrinsic_errors(pred, case.truth, case.mask))
        per_case = _record(errors)
        means = {k: round(sum(v) / len(v), 4) for k, v in per_case.items()}
        log.info("Intrinsic %s: %s", predictor.name, means)
        section["predictors"][predictor.name] = {
            "info": predictor.info, "per_case": per_case, "seconds_per_case": seconds,
            **_summarise(per_case, held),
        }
    return section


def improvement(metric: str, value: float, reference: float) -> float | None:
    """Relative error reduction ``1 - value / reference``; for PSNR the gain in dB."""
    if metric in HIGHER_IS_BETTER:
        return value - reference
    if reference == 0:
        return None
    return 1.0 - value / reference


def compare(section: dict, reference: str = "baseline") -> dict:
    """Per predictor and metric: the reference's mean, the predictor's and the improvement."""
    if reference not in section["predictors"]:
        return {}
    base = section["predictors"][reference]["mean"]
    out = {}
    for name, result in section["predictors"].items():
        if name == reference:
            continue
        out[name] = {k: {"baseline": base[k], "value": v, "improvement": improvement(k, v, base[k])}
                     for k, v in result["mean"].items()
                     if k in base and v is not None and base[k] is not None}
    section["comparison"] = out
    return out


def goal_check(section: dict, goals: dict[str, float]) -> dict:
    """For every compared predictor: whether each goal metric improved by at least its target."""
    out = {}
    for name, metrics in section.get("comparison", {}).items():
        checks = {}
        for metric, target in goals.items():
            if metric not in metrics or metrics[metric]["improvement"] is None:
                continue
            got = metrics[metric]["improvement"]
            checks[metric] = {"target": target, "improvement": got, "met": bool(got >= target),
                              "shortfall": max(0.0, target - got)}
        checks_met = all(c["met"] for c in checks.values()) if checks else False
        out[name] = {"metrics": checks, "met": checks_met}
    section["goal"] = out
    return out
