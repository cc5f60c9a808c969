"""``teamwork-studio demo``: estimate the bundled sample photo and write a texture set (headless)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.paths import assets_dir

HELP = "estimate the bundled sample flash photo with the embedded model and write a texture set"
DEMO_SIZE = 256
"""The demo's working size: the embedded model takes minutes per step-heavy megapixel on a CPU."""


def sample_photo() -> Path:
    return assets_dir() / "samples" / "flash_wood_planks.png"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder")
    parser.add_argument("--preset", default="gltf", help="export preset for the texture set")
    parser.add_argument("--steps", type=int, default=None, help="denoising steps (default: the model's)")
    parser.add_argument("--max-size", type=int, default=DEMO_SIZE,
                        help=f"working size in pixels (default {DEMO_SIZE}: a quick run on a CPU)")


def run(args: argparse.Namespace) -> int:
    from engine.commands import estimate

    photo = sample_photo()
    if not photo.is_file():
        sys.stderr.write(f"teamwork-studio demo: the bundled sample photo is missing ({photo}).\n")
        return 1
    from engine.pipelines.estimate import embedded_model_available

    if not embedded_model_available("svbrdf"):
        # Say so plainly rather than writing maps from untrained weights.
        sys.stdout.write(
            "No trained embedded SVBRDF model is available in this build yet, so the demo cannot\n"
            "estimate the sample photo. Train one with 'teamwork-studio train configs/embedded_svbrdf.toml'\n"
            "(see assets/models/README.md), or run 'teamwork-studio estimate PHOTO --model FILE --base DIR'\n"
            "with a Teamwork checkpoint and a local base model.\n"
        )
        return 0
    sys.stdout.write(f"Estimating the SVBRDF of the bundled sample {photo.name} with the embedded model at "
                     f"{args.max_size} px (--max-size; the app and 'estimate' default to 1024 px)…\n")
    argv = [str(photo), "--task", "svbrdf", "--out", str(args.out), "--preset", args.preset,
            "--max-size", str(args.max_size)]
    if args.steps is not None:
        argv += ["--steps", str(args.steps)]
    parser = argparse.ArgumentParser(prog="teamwork-studio estimate")
    estimate.register(parser)
    return int(estimate.run(parser.parse_args(argv)))
