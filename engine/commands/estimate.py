"""``teamwork-studio estimate INPUT... --task svbrdf|intrinsic --out DIR``: photos -> material maps.

Each input is read, estimated in the engine worker process and written to ``DIR/<input stem>/``
(raw preset: ``<component>.<ext>`` + ``material.json``). A bad input is reported and skipped; the
others are still written. Exit status: 0 all succeeded, 1 some failed, 2 usage error.

Examples::

    teamwork-studio estimate wood.jpg --task svbrdf --out materials/
    teamwork-studio estimate a.png b.png --task intrinsic --out out/ --format exr --steps 30 --seed 1
    teamwork-studio estimate tile.jpg --task svbrdf --out out/ --preset gltf --tileable --fov 50
    teamwork-studio estimate wood.jpg --task svbrdf --out out/ --model flux-svbrdf.safetensors \
        --base FLUX.1-dev/ --gguf flux1-dev-Q4_K_S.gguf --offload model
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from tqdm import tqdm

from engine.io import DEFAULT_MAX_PIXELS
from engine.worker.runner import RAW_FORMATS, EstimateRunner, Outcome, RunSettings, output_folders

HELP = "estimate material maps from photos (flash-photo SVBRDF or intrinsic decomposition)"

TASKS = ("svbrdf", "intrinsic")
PRESETS = ("raw", "gltf", "unreal", "unity-hdrp", "unity-urp", "blender", "substance")
DEVICES = ("auto", "cpu", "cuda")
OFFLOADS = ("none", "model", "sequential")
DTYPES = ("auto", "fp32", "fp16", "bf16")


def add_estimate_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``estimate`` and ``batch``."""
    parser.add_argument("--task", required=True, choices=TASKS, help="what to estimate")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument(
        "--model",
        default="embedded",
        metavar="embedded|PATH",
        help="the embedded model (default) or a Teamwork .safetensors checkpoint",
    )
    parser.add_argument("--base", type=Path, metavar="DIR", help="local diffusers folder of the base model")
    parser.add_argument(
        "--fov",
        type=float,
        metavar="DEG",
        help="camera field of view in degrees (default: from EXIF, else the model's default)",
    )
    parser.add_argument("--steps", type=int, metavar="N", help="denoising steps")
    parser.add_argument("--seed", type=int, metavar="N", help="random seed (results are reproducible)")
    parser.add_argument("--samples", type=int, metavar="K", help="samples to average")
    parser.add_argument("--tileable", action="store_true", help="make the maps tile seamlessly")
    parser.add_argument("--max-size", type=int, metavar="PX", help="downscale photos larger than PX")
    parser.add_argument("--preset", default="raw", choices=PRESETS, help="output layout (default raw)")
    parser.add_argument(
        "--format", default="png16", choices=tuple(RAW_FORMATS), help="file format (default png16)"
    )
    parser.add_argument("--device", default="auto", choices=DEVICES, help="compute device (default auto)")
    parser.add_argument(
        "--offload",
        default="none",
        choices=OFFLOADS,
        help="for large bases on small GPUs: keep the model on the CPU and move whole parts (model) or "
        "single layers (sequential: least memory, slowest) to the GPU while they run (default none)",
    )
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPES,
        help="weight precision (default auto: fp32 on CPU, bf16 or fp16 on CUDA)",
    )
    parser.add_argument(
        "--gguf",
        type=Path,
        metavar="FILE",
        help="a GGUF-quantised Flux transformer to use instead of the one in the --base folder",
    )
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=DEFAULT_MAX_PIXELS,
        metavar="N",
        help=f"refuse photos above N pixels (default {DEFAULT_MAX_PIXELS:,})",
    )
    parser.add_argument("--engine-job", default="estimate", help=argparse.SUPPRESS)  # tests: a fake job


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="photo files")
    add_estimate_arguments(parser)


def usage_error(args: argparse.Namespace) -> str | None:
    """One sentence if the arguments cannot work, else None."""
    if args.model != "embedded":
        model = Path(args.model)
        if not model.exists():
            return f"the model file {model} does not exist (use --model embedded or a .safetensors path)"
    if args.base is not None and not args.base.is_dir():
        return f"the base model folder {args.base} does not exist"
    if args.gguf is not None and not args.gguf.is_file():
        return f"the GGUF file {args.gguf} does not exist"
    if args.gguf is not None and args.offload == "sequential":
        return "--offload sequential cannot stream GGUF weights; use --offload model"
    if args.fov is not None and not 1.0 <= args.fov <= 179.0:
        return "--fov must be between 1 and 179 degrees"
    for name in ("steps", "samples", "max_size", "max_pixels"):
        value = getattr(args, name)
        if value is not None and value < 1:
            return f"--{name.replace('_', '-')} must be at least 1"
    if args.out.exists() and not args.out.is_dir():
        return f"the output {args.out} is a file, not a folder"
    return None


def settings_from_args(args: argparse.Namespace) -> RunSettings:
    options = {
        "task": args.task,
        "model": str(args.model),
        "base": str(args.base) if args.base else None,
        "fov_degrees": args.fov,
        "steps": args.steps,
        "seed": args.seed,
        "samples": args.samples,
        "tileable": bool(args.tileable),
        "max_size": args.max_size,
        "device": args.device,
        "offload": args.offload,
        "dtype": args.dtype,
        "gguf": str(args.gguf) if args.gguf else None,
    }
    return RunSettings(
        out_dir=args.out,
        options={k: v for k, v in options.items() if v is not None},
        preset=args.preset,
        fmt=args.format,
        max_pixels=args.max_pixels,
        job=args.engine_job,
    )


def run_inputs(inputs: list[Path], folders: list[Path], settings: RunSettings, skip_finished: bool) -> int:
    """Run with progress bars on stderr; returns the exit status (0 all ok, 1 some failed)."""
    overall = tqdm(total=len(inputs), unit="photo", desc="materials", file=sys.stderr, disable=None)
    steps: dict[str, tqdm | None] = {"bar": None}
    lock = threading.Lock()
    failed = skipped = 0

    def on_start(index: int, path: Path) -> None:
        overall.set_postfix_str(path.name, refresh=False)

    def on_progress(step: int, total: int, stage: str) -> None:
        with lock:
            bar = steps["bar"]
            if bar is None or bar.total != total:
                if bar is not None:
                    bar.close()
                bar = steps["bar"] = tqdm(
                    total=total, desc=stage or "steps", leave=False, position=1, file=sys.stderr, disable=None
                )
            bar.set_description_str(stage or "steps", refresh=False)
            bar.n = step
            bar.refresh()

    def on_done(outcome: Outcome) -> None:
        nonlocal failed, skipped
        with lock:
            if steps["bar"] is not None:
                steps["bar"].close()
                steps["bar"] = None
        if outcome.skipped:
            skipped += 1
        elif not outcome.ok:
            failed += 1
            tqdm.write(f"teamwork-studio: {outcome.message}", file=sys.stderr)
        overall.update(1)

    runner = EstimateRunner(settings, on_start=on_start, on_progress=on_progress, on_done=on_done)
    try:
        runner.run(inputs, folders, skip_finished=skip_finished)
    finally:
        overall.close()
    written = len(inputs) - failed - skipped
    summary = f"{written} written to {settings.out_dir}"
    if skipped:
        summary += f", {skipped} already finished"
    if failed:
        summary += f", {failed} failed"
    sys.stderr.write(f"teamwork-studio: {summary}.\n")
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    problem = usage_error(args)
    if problem:
        sys.stderr.write(f"teamwork-studio estimate: {problem}.\n")
        return 2
    inputs = [Path(p) for p in args.inputs]
    return run_inputs(inputs, output_folders(inputs, args.out), settings_from_args(args), skip_finished=False)
