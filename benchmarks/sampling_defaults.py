"""Choose the embedded SVBRDF model's sampling defaults by measurement: quality per second.

    .venv/bin/python benchmarks/sampling_defaults.py --model assets/models/svbrdf --cases 8 --size 128

Sweeps scheduler x steps x samples (ensemble size) on held-out flash photos
(benchmarks/eval/heldout.py) and reports re-render RMSE, normal error and seconds per photo, next to
the trivial baseline. Writes JSON (``--out``) and the ``sampling`` block of ``--markdown``.
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

from benchmarks.eval.evaluate import evaluate_svbrdf  # noqa: E402
from benchmarks.eval.heldout import svbrdf_cases  # noqa: E402
from benchmarks.eval.predictors import BaselinePredictor, load_predictor  # noqa: E402
from benchmarks.eval.report import replace_block  # noqa: E402

log = logging.getLogger("sampling_defaults")


def parse_settings(values: list[str]) -> list[tuple[str, int, int]]:
    """``scheduler:steps:samples`` strings -> tuples (a clear error for a malformed one)."""
    out = []
    for value in values:
        parts = value.split(":")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise SystemExit(f"sampling_defaults: --setting {value!r} is not scheduler:steps:samples.")
        out.append((parts[0], int(parts[1]), int(parts[2])))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "assets" / "models" / "svbrdf"), help="a model / run folder")
    p.add_argument("--setting", action="append", metavar="SCHEDULER:STEPS:SAMPLES",
                   help="repeatable; default: ddim and dpm at 5/10/20 steps, 1 sample, and ddim:10:3")
    p.add_argument("--cases", type=int, default=8)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "sampling_defaults.json")
    p.add_argument("--markdown", type=Path, default=ROOT / "docs" / "quality.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = parse_settings(args.setting or ["ddim:5:1", "ddim:10:1", "ddim:20:1", "dpm:5:1", "dpm:10:1",
                                               "dpm:20:1", "ddim:10:3"])
    predictors = [BaselinePredictor()]
    for scheduler, steps, samples in settings:
        predictor = load_predictor(args.model, "svbrdf", steps, samples, 0, args.device)
        predictor.scheduler = scheduler
        predictor.name = f"{scheduler}, {steps} steps, {samples} sample{'s' if samples > 1 else ''}"
        predictors.append(predictor)
    section = evaluate_svbrdf(predictors, svbrdf_cases(args.cases, args.size))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(section, indent=1))
    given = argv if argv is not None else sys.argv[1:]
    command = "python benchmarks/sampling_defaults.py " + shlex.join(given)
    lines = [f"Sampling settings of `{args.model}` on {args.cases} held-out flash photos at "
             f"{args.size}x{args.size} ({datetime.date.today().isoformat()}, this machine's CPU).", "",
             "| setting | re-render RMSE | normals (deg) | s / photo |", "|---|---|---|---|"]
    for name, result in section["predictors"].items():
        mean = result["mean"]
        lines.append(f"| {name} | {mean['rerender_rmse']:.4f} | {mean['normals_degrees']:.2f} | "
                     f"{result['seconds_per_case']:.2f} |")
    lines += ["", f"Reproduce: `{command.strip()}`"]
    replace_block(args.markdown, "sampling", "\n".join(lines))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
