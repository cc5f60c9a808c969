"""Reference renderer and generator timings, and the split-sum accuracy against brute force.

    .venv/bin/python benchmarks/materials_render.py [--size 1024] [--device cpu] [--repeats 5]
        [--threads N] [--out FILE]

Reports (median of ``--repeats``): flash render forward and forward+backward at size x size,
environment render forward, environment prefilter from EXR, generation time per family at 512 px,
and the relative error of the prefiltered (split-sum) environment render against brute-force
quadrature over a 64x128 environment for several roughness values.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from engine.materials import FAMILIES, Environment, generate_material, render_environment, render_flash
from engine.materials.environment import load_exr
from engine.materials.reference import render_environment_reference
from engine.paths import assets_dir


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn, device: str, repeats: int) -> float:
    fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev, size = args.device, args.size
    lines = [f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
             f"threads {torch.get_num_threads()}, device {dev}; load average before "
             f"{os.getloadavg()[0]:.1f}"]
    maps = {k: v.to(dev) for k, v in generate_material("ceramic_tiles", size, 0).items()}
    t_flash = timed(lambda: render_flash(maps, 45.0), dev, args.repeats)
    grad_maps = {k: v.clone().requires_grad_(True) for k, v in maps.items() if k != "height"}
    t_back = timed(lambda: render_flash(grad_maps, 45.0).mean().backward(), dev, args.repeats)
    start = time.perf_counter()
    env = Environment.from_image(load_exr(assets_dir() / "hdri" / "forest.exr"))
    t_prefilter = time.perf_counter() - start
    t_env = timed(lambda: render_environment(maps, env), dev, args.repeats)
    lines += ["", f"| operation ({size}x{size}, batch 1) | median seconds |", "|---|---|",
              f"| render_flash forward | {t_flash:.3f} |",
              f"| render_flash forward + backward | {t_back:.3f} |",
              f"| render_environment forward (prefiltered) | {t_env:.3f} |",
              f"| environment prefilter from EXR (once per HDRI) | {t_prefilter:.3f} |"]
    lines += ["", "| family | generate_material 512 px, s |", "|---|---|"]
    for family in FAMILIES:
        t = timed(lambda f=family: generate_material(f, 512, 1, dev), dev, 1)
        lines.append(f"| {family} | {t:.2f} |")
    sky = torch.nn.functional.interpolate(load_exr(assets_dir() / "hdri" / "forest.exr").unsqueeze(0),
                                          size=(64, 128), mode="area")[0]
    sky_env = Environment.from_image(sky)
    lines += ["", "| roughness | split-sum vs brute force: mean rel. error | max per-pixel rel. error |",
              "|---|---|---|"]
    for r in (0.1, 0.3, 0.5, 0.7, 1.0):
        n = torch.zeros(1, 3, 16, 16)
        n[:, 2] = 1
        m = {"diffuse": torch.full((1, 3, 16, 16), 0.2), "specular": torch.full((1, 3, 16, 16), 0.5),
             "roughness": torch.full((1, 1, 16, 16), r), "normals": n}
        ours, ref = render_environment(m, sky_env, 50.0), render_environment_reference(m, sky, 50.0)
        rel = (ours - ref).abs() / ref.clamp_min(1e-6)
        mean_err = float((ours.mean() - ref.mean()).abs() / ref.mean())
        lines.append(f"| {r} | {mean_err:.3f} | {float(rel.max()):.3f} |")
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
