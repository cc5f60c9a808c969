"""Synthetic data throughput: samples per second generated and written by ``synth``.

    .venv/bin/python benchmarks/synth_throughput.py [--count 8] [--resolution 256] [--threads N] [--out FILE]

Times the on-the-fly datasets alone (generation) and generation plus writing in the folder format,
for both tasks, single process on the CPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

from engine.data import GeneratedIntrinsicDataset, GeneratedSVBRDFDataset, write_sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--resolution", type=int, default=256)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    lines = [f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
             f"threads {torch.get_num_threads()}; load average before {os.getloadavg()[0]:.1f}",
             "", f"| task ({args.resolution} px, {args.count} samples) | generate, samples/s | "
             "generate + write, samples/s |", "|---|---|---|"]
    for task, cls in (("svbrdf (flash photo)", GeneratedSVBRDFDataset),
                      ("intrinsic (scene)", GeneratedIntrinsicDataset)):
        ds = cls(2 * args.count, args.resolution, seed=1)
        ds[0]  # warm caches (environments, split-sum table)
        start = time.perf_counter()
        samples = [ds[i] for i in range(args.count)]
        gen = args.count / (time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            for i in range(args.count, 2 * args.count):
                s = ds[i]
                write_sample(Path(tmp) / s["name"], s, photo_png=task.startswith("svbrdf"))
            both = args.count / (time.perf_counter() - start)
        del samples
        lines.append(f"| {task} | {gen:.2f} | {both:.2f} |")
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
