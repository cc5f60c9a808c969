"""Pipeline overhead and high-resolution memory of the pixel Teamwork pipeline.

1. Overhead: end-to-end sampling time / (steps x one forward of the *plain* base UNet on the same
   teammate batch). Goal <= 1.3. The adapted forward alone is reported too.
2. Peak memory: ``estimate`` on a 2048x2048 photo (tiled) in a fresh subprocess; peak RSS
   (``ru_maxrss``). Goal < 4 GB on CPU.

Run: ``.venv/bin/python benchmarks/pipeline_overhead.py [--size 128] [--steps 10] [--hires 2048]``
Prints a Markdown table (paste into docs/benchmarks/pipelines.md).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

UNET = dict(sample_size=64, in_channels=3, out_channels=3, layers_per_block=2,
            block_out_channels=(32, 64, 128, 128),
            down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
            up_block_types=("AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
            norm_num_groups=8, attention_head_dim=32)
"""A representative embedded-size pixel base (about 10 M parameters)."""


def make_model(folder: Path, rank: int) -> None:
    from diffusers import UNet2DModel

    from engine.pipelines.export_model import save_base
    from engine.pipelines.pixel_unet import DEFAULT_SCHEDULER
    from engine.tasks import SVBRDF
    from engine.teamwork import TeamworkConfig, adapt, save_checkpoint, trainable_parameters

    torch.manual_seed(0)
    unet = UNet2DModel(**UNET).eval()
    save_base(unet, DEFAULT_SCHEDULER, folder / "base")
    config = TeamworkConfig(tuple(SVBRDF.teammates()), lora_rank=rank, profile="pixel")
    model = adapt(unet, config, seed=0)
    with torch.no_grad():
        for p in trainable_parameters(model):
            p.normal_(0, 0.02)
    save_checkpoint(model, config, folder / "adapter.safetensors")


def overhead(folder: Path, size: int, steps: int, repeats: int = 3) -> dict:
    from engine.pipelines import load
    from engine.pipelines.pixel_unet import PixelUNetPipeline

    pipe = load(folder / "adapter.safetensors", base=folder / "base", device="cpu")
    base, _ = PixelUNetPipeline.load_base(folder / "base")
    rows = len(pipe.teammates)
    x = torch.randn(rows, 3, size, size)
    t = torch.full((rows,), 500)
    inputs = {"image": torch.rand(1, 3, size, size), "halfway": torch.rand(1, 3, size, size) * 2 - 1}
    with torch.no_grad():
        base(x, t)
        start = time.perf_counter()
        for _ in range(repeats * steps):
            base(x, t)
        forward = (time.perf_counter() - start) / (repeats * steps)
        names = [(0, n) for n in pipe.teammates]
        with pipe._active(names):
            pipe.denoiser(x, t)
            start = time.perf_counter()
            for _ in range(repeats * steps):
                pipe.denoiser(x, t)
            adapted = (time.perf_counter() - start) / (repeats * steps)
    pipe(inputs, steps=1, tile=size)
    start = time.perf_counter()
    for _ in range(repeats):
        pipe(inputs, steps=steps, tile=size)
    e2e = (time.perf_counter() - start) / repeats
    return {"size": size, "steps": steps, "rows": rows, "base_forward_s": forward,
            "adapted_forward_s": adapted, "end_to_end_s": e2e, "ratio": e2e / (steps * forward),
            "adapter_ratio": adapted / forward}


def hires_child(folder: str, size: int, steps: int) -> None:
    import numpy as np

    from engine.pipelines.estimate import EstimateOptions, estimate

    photo = np.random.default_rng(0).random((size, size, 3), dtype=np.float32)
    start = time.perf_counter()
    result = estimate(photo, EstimateOptions(model=str(Path(folder) / "adapter.safetensors"), steps=steps,
                                             max_size=size, device="cpu", fov_degrees=45))
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    shapes = {k: list(v.shape) for k, v in result.maps.items()}
    print(json.dumps({"size": size, "steps": steps, "seconds": seconds, "peak_rss_gib": peak_kib / 2**20,
                      "shapes": shapes}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--hires", type=int, default=2048)
    parser.add_argument("--hires-steps", type=int, default=1)
    parser.add_argument("--model", type=Path, metavar="FOLDER",
                        help="measure the high-resolution run with this model folder "
                             "(e.g. assets/models/svbrdf) instead of a random embedded-size one")
    parser.add_argument("--no-overhead", action="store_true", help="only the high-resolution run")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        hires_child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    torch.set_num_threads(1)  # stable timings on a shared machine; both sides measured alike
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_model(folder, args.rank)
        print("| metric | value |\n|---|---|")
        if not args.no_overhead:
            o = overhead(folder, args.size, args.steps)
            for key, value in o.items():
                print(f"| {key} | {value:.4g} |" if isinstance(value, float) else f"| {key} | {value} |")
        if args.hires:
            hires_model = args.model.resolve() if args.model else folder
            out = subprocess.run([sys.executable, __file__, "--child", str(hires_model), str(args.hires),
                                  str(args.hires_steps)], capture_output=True, text=True, check=True)
            h = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| hires {h['size']}x{h['size']} peak RSS (GiB) | {h['peak_rss_gib']:.3f} |")
            print(f"| hires {h['size']}x{h['size']} time, {h['steps']} step(s) (s) | {h['seconds']:.1f} |")


if __name__ == "__main__":
    main()
