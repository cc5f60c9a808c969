"""Ablation on the SVBRDF task at equal training budget: Teamwork vs head expansion vs independent LoRA.

    .venv/bin/python benchmarks/ablation.py --run teamwork=runs/ablation/teamwork \
        --run head_expansion=runs/ablation/head_expansion --run lora=runs/ablation/lora

Each ``--run LABEL=FOLDER`` is a training run folder of ``teamwork-studio train`` (or an exported
model folder). Reported per run: trainable parameters (from the trainer's checkpoint, else the
exported adapters / widened UNet), steps and examples seen (steps x batch x accumulation), training
wall time (``elapsed_s`` & co. in metrics.jsonl, see benchmarks/eval/runinfo.py), sampling seconds
per photo and the held-out SVBRDF errors with the trivial baseline as a reference. Writes JSON
(``--out``) and replaces the ``ablation`` block of ``--markdown``. ``--allow-unequal`` accepts runs
whose examples seen differ (otherwise the table says so in a warning line).
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

from benchmarks.eval.evaluate import SVBRDF_GOALS, compare, evaluate_svbrdf, goal_check  # noqa: E402
from benchmarks.eval.heldout import svbrdf_cases  # noqa: E402
from benchmarks.eval.predictors import BaselinePredictor, load_predictor  # noqa: E402
from benchmarks.eval.report import replace_block  # noqa: E402
from benchmarks.eval.runinfo import read_run  # noqa: E402

log = logging.getLogger("ablation")

COLUMNS = (("rerender_rmse", "re-render RMSE", 4), ("normals_degrees", "normals (deg)", 2),
           ("diffuse_rmse", "diffuse RMSE", 4), ("specular_rmse", "specular RMSE", 4),
           ("roughness_rmse", "roughness RMSE", 4))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", action="append", required=True, metavar="LABEL=FOLDER",
                   help="a training run (repeat for each method)")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--cases", type=int, default=24)
    p.add_argument("--steps", type=int, help="sampling steps (default 20)")
    p.add_argument("--samples", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "ablation.json")
    p.add_argument("--markdown", type=Path, default=ROOT / "docs" / "quality.md")
    return p.parse_args(argv)


def parse_runs(specs: list[str]) -> dict[str, Path]:
    runs = {}
    for spec in specs:
        label, sep, folder = spec.partition("=")
        if not sep or not label or not folder:
            raise ValueError(f"--run needs LABEL=FOLDER, got {spec!r}.")
        if label in runs or label == "baseline":
            raise ValueError(f"The run label {label!r} is used twice or reserved.")
        runs[label] = Path(folder)
    return runs


def _fmt(value, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def _minutes(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / 60:.1f} min"


def ablation_markdown(results: dict) -> str:
    cfg = results["config"]
    lines = ["## Ablation (SVBRDF, equal training budget)", "",
             f"Command: `{results['command']}`  ",
             f"Date: {results['date']}; {cfg['cases']} held-out cases at {cfg['size']}x{cfg['size']} px; "
             f"{cfg['steps'] or 20} sampling steps, {cfg['samples']} sample(s).", ""]
    head = ["method", "trainable params", "steps", "examples seen", "train time", "s / photo",
            *[c[1] for c in COLUMNS], "re-render vs baseline"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    section = results["svbrdf"]
    for label, result in section["predictors"].items():
        run = results["runs"].get(label, {})
        gain = section.get("comparison", {}).get(label, {}).get("rerender_rmse", {}).get("improvement")
        cells = [label, _fmt(run.get("trainable_parameters")), _fmt(run.get("steps")),
                 _fmt(run.get("examples_seen")), _minutes(run.get("train_seconds")),
                 f"{result['seconds_per_case']:.2f}",
                 *[_fmt(result["mean"].get(k), d) for k, _, d in COLUMNS],
                 "" if gain is None else f"{100 * gain:+.1f} %"]
        lines.append("| " + " | ".join(cells) + " |")
    budgets = {r["examples_seen"] for r in results["runs"].values()}
    if len(budgets) > 1:
        lines += ["", "> Warning: the runs saw different numbers of training examples; the comparison is "
                      "not at equal budget."]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, command: str) -> dict:
    runs = parse_runs(args.run)
    infos = {label: read_run(folder).to_dict() for label, folder in runs.items()}
    predictors = [BaselinePredictor()]
    for label, folder in runs.items():
        predictor = load_predictor(str(folder), "svbrdf", args.steps, args.samples, args.seed, args.device)
        predictor.name = label
        predictors.append(predictor)
    section = evaluate_svbrdf(predictors, svbrdf_cases(args.cases, args.size))
    compare(section)
    goal_check(section, SVBRDF_GOALS)
    return {"command": command, "date": datetime.date.today().isoformat(), "runs": infos, "svbrdf": section,
            "config": {"size": args.size, "cases": args.cases, "steps": args.steps, "samples": args.samples,
                       "seed": args.seed, "device": args.device}}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    raw = sys.argv[1:] if argv is None else argv
    command = " ".join([".venv/bin/python benchmarks/ablation.py", *map(shlex.quote, raw)])
    try:
        results = run(args, command)
    except ValueError as error:
        log.error("%s", error)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    text = ablation_markdown(results)
    replace_block(args.markdown, "ablation", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
