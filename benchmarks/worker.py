"""Worker benchmark: cold start, warm round trip of a large image, peak memory of both processes.

.venv/bin/python benchmarks/worker.py [--size 4096] [--repeats 3] [--out docs/benchmarks/worker.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from engine.worker import shm
from engine.worker.client import WorkerClient


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    photo = np.random.default_rng(0).random((args.size, args.size, 3), dtype=np.float32)
    client_before = peak_rss_mib()
    started = time.perf_counter()
    client = WorkerClient()
    client.start()
    client.ping(timeout=120)
    cold_start = time.perf_counter() - started
    ping = min(client.ping() for _ in range(5))
    trips = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        result = client.run("diag.echo", arrays={"photo": photo}, label="benchmark")
        trips.append(time.perf_counter() - t)
        assert result.arrays["photo"].shape == photo.shape
        del result
    worker = client.run("diag.stats").payload
    client.shutdown()
    figures = {
        "image": f"{args.size}x{args.size}x3 float32 ({photo.nbytes / 2**20:.0f} MiB)",
        "cold_start_s": round(cold_start, 3),
        "ping_ms": round(ping * 1000, 2),
        "round_trip_s": {"min": round(min(trips), 3), "median": round(float(np.median(trips)), 3)},
        "peak_rss_mib": {
            "client": peak_rss_mib(),
            "client_before_start": client_before,
            "worker": worker["peak_rss_mib"],
        },
        "leftover_shared_memory_blocks": len(shm.leftover_blocks()),
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
