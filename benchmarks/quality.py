"""Honest evaluation of the embedded models against the trivial baselines (issue 10).

    .venv/bin/python benchmarks/quality.py                       # embedded models (or baselines only)
    .venv/bin/python benchmarks/quality.py --svbrdf-model runs/svbrdf --intrinsic-model runs/intrinsic
    .venv/bin/python benchmarks/quality.py --svbrdf-model random-tiny --steps 2 --svbrdf-cases 4 \
        --intrinsic-cases 2 --size 64 --out /tmp/q.json --markdown /tmp/q.md    # a quick smoke run

Held-out set, metrics and baselines: benchmarks/eval (see docs/architecture/evaluation.md). Writes the full
results as JSON (``--out``) and replaces the ``quality`` block of the Markdown report (``--markdown``)
with the tables, the goal verdicts and the command line that produced them. Model specs:
``embedded`` (assets/models/<task>), ``baseline``, ``random-tiny``, or a model / run folder.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from benchmarks.eval.evaluate import (  # noqa: E402
    INTRINSIC_GOALS,
    SVBRDF_GOALS,
    compare,
    evaluate_intrinsic,
    evaluate_svbrdf,
    goal_check,
)
from benchmarks.eval.heldout import (  # noqa: E402
    HELD_OUT_ENVIRONMENTS,
    HELD_OUT_FAMILIES,
    HELD_OUT_FOVS,
    intrinsic_cases,
    svbrdf_cases,
)
from benchmarks.eval.predictors import BaselinePredictor, load_predictor  # noqa: E402
from benchmarks.eval.report import quality_markdown, replace_block  # noqa: E402

log = logging.getLogger("quality")


def _default_models(task: str) -> list[str]:
    from engine.pipelines.estimate import embedded_folder

    return ["embedded"] if (embedded_folder(task) / "adapter.safetensors").is_file() else []


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--svbrdf-model", action="append", help="model spec (repeatable); default: embedded")
    p.add_argument("--intrinsic-model", action="append", help="model spec (repeatable); default: embedded")
    p.add_argument("--tasks", nargs="+", choices=("svbrdf", "intrinsic"), default=["svbrdf", "intrinsic"])
    p.add_argument("--size", type=int, default=128, help="image size in pixels (default 128)")
    p.add_argument("--svbrdf-cases", type=int, default=16)
    p.add_argument("--intrinsic-cases", type=int, default=8, help="per intrinsic set (HDRI, scenes)")
    p.add_argument("--no-pathtraced", action="store_true", help="skip the cached Mitsuba scenes")
    p.add_argument("--no-scenes", action="store_true", help="skip the held-out generator scenes")
    p.add_argument("--steps", type=int, help="sampling steps (default: the model's default; 20 for folders)")
    p.add_argument("--samples", type=int, default=1, help="ensemble size per photo")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave the default)")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "quality.json")
    p.add_argument("--markdown", type=Path, default=ROOT / "docs" / "quality.md")
    p.add_argument("--report-only", type=Path, metavar="JSON",
                   help="only rewrite the Markdown block from an earlier results JSON")
    return p.parse_args(argv)


def _predictors(specs: list[str] | None, task: str, args: argparse.Namespace) -> list:
    specs = [s for s in (specs if specs is not None else _default_models(task)) if s != "baseline"]
    return [BaselinePredictor()] + [load_predictor(s, task, args.steps, args.samples, args.seed, args.device)
                                    for s in specs]


def run(args: argparse.Namespace, command: str) -> dict:
    if args.threads:
        torch.set_num_threads(args.threads)
    results: dict = {
        "command": command,
        "date": datetime.date.today().isoformat(),
        "config": {"size": args.size, "steps": args.steps, "samples": args.samples, "seed": args.seed,
                   "device": args.device, "held_out_families": list(HELD_OUT_FAMILIES),
                   "held_out_environments": list(HELD_OUT_ENVIRONMENTS), "fovs": list(HELD_OUT_FOVS),
                   "svbrdf_cases": args.svbrdf_cases, "intrinsic_cases": args.intrinsic_cases},
        "notes": [],
    }
    from benchmarks.eval.heldout import config_problems

    for name, problems in config_problems().items():
        results["notes"] += [f"Held-out leak risk in configs/{name}: {p}" for p in problems]
    if "svbrdf" in args.tasks:
        predictors = _predictors(args.svbrdf_model, "svbrdf", args)
        if len(predictors) == 1:
            results["notes"].append("No SVBRDF model given or shipped yet: baseline only.")
        section = evaluate_svbrdf(predictors, svbrdf_cases(args.svbrdf_cases, args.size))
        compare(section)
        goal_check(section, SVBRDF_GOALS)
        results["svbrdf"] = section
    if "intrinsic" in args.tasks:
        predictors = _predictors(args.intrinsic_model, "intrinsic", args)
        if len(predictors) == 1:
            results["notes"].append("No intrinsic model given or shipped yet: baseline only.")
        section = evaluate_intrinsic(predictors, intrinsic_cases(args.intrinsic_cases, args.size))
        compare(section)
        goal_check(section, INTRINSIC_GOALS)
        results["intrinsic_hdri"] = section
        if not args.no_scenes:
            from benchmarks.eval.scenes import scene_cases

            section = evaluate_intrinsic(predictors, scene_cases(args.intrinsic_cases, args.size))
            compare(section)
            goal_check(section, INTRINSIC_GOALS)
            results["intrinsic_scenes"] = section
        if not args.no_pathtraced:
            from benchmarks.eval.pathtraced import pathtraced_cases

            section = evaluate_intrinsic(predictors, pathtraced_cases())
            compare(section)
            goal_check(section, INTRINSIC_GOALS)
            results["intrinsic_pathtraced"] = section
    return results


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    raw = sys.argv[1:] if argv is None else argv
    command = " ".join([".venv/bin/python benchmarks/quality.py", *map(shlex.quote, raw)])
    if args.report_only is not None:
        results = json.loads(args.report_only.read_text())
        replace_block(args.markdown, "quality", quality_markdown(results))
        return 0
    try:
        results = run(args, command)
    except ValueError as error:
        log.error("%s", error)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    replace_block(args.markdown, "quality", quality_markdown(results))
    log.info("Wrote %s and the quality block of %s", args.out, args.markdown)
    print(quality_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
