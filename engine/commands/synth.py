"""``teamwork-studio synth``: write a synthetic training dataset in the folder format."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from tqdm import tqdm

HELP = "Generate a synthetic SVBRDF or intrinsic-decomposition dataset (one folder per sample)."
log = logging.getLogger(__name__)
FORMATS = ("png8", "png16", "exr16", "exr32")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, choices=("svbrdf", "intrinsic"),
                        help="svbrdf: flash photo, halfway, four maps; intrinsic: scenes, all channels")
    parser.add_argument("--count", type=int, required=True, help="number of samples to write")
    parser.add_argument("--resolution", type=int, default=256, help="square size in pixels (default 256)")
    parser.add_argument("--out", required=True, help="output folder (created)")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (sample i depends on it and i)")
    parser.add_argument("--start", type=int, default=0, help="index of the first sample (extends a dataset)")
    parser.add_argument("--format", choices=FORMATS, default="png16", help="bounded maps' file format")
    parser.add_argument("--environment-probability", type=float, default=0.0,
                        help="svbrdf: share of photos taken under an HDR environment instead of the flash")
    parser.add_argument("--jpeg-probability", type=float, default=0.0,
                        help="svbrdf: share of photos passed through JPEG compression")
    parser.add_argument("--device", default="cpu", help="torch device for generation (cpu, cuda, ...)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads per process (default 1: generation is many small operations)")
    parser.add_argument("--workers", type=int, default=0,
                        help="extra processes generating samples in parallel (default 0: none)")


def _dataset(args: argparse.Namespace):
    from engine.data.generated import GeneratedIntrinsicDataset, GeneratedSVBRDFDataset
    from engine.materials.photo import PhotoSettings

    total = args.start + args.count
    if args.task == "svbrdf":
        photo = PhotoSettings(jpeg_probability=args.jpeg_probability)
        return GeneratedSVBRDFDataset(total, args.resolution, args.seed,
                                      environment_probability=args.environment_probability,
                                      photo=photo, device=args.device)
    return GeneratedIntrinsicDataset(total, args.resolution, args.seed, device=args.device)


def run(args: argparse.Namespace) -> int:
    import sys

    if args.count < 1 or args.resolution < 8 or args.start < 0 or args.threads < 1 or args.workers < 0:
        sys.stderr.write("synth: --count and --threads must be at least 1, --resolution at least 8, "
                         "--start and --workers at least 0.\n")
        return 2
    for name in ("environment_probability", "jpeg_probability"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            sys.stderr.write(f"synth: --{name.replace('_', '-')} must be between 0 and 1.\n")
            return 2
    import torch

    from engine.data.folder import write_sample

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    indices = list(range(args.start, args.start + args.count))
    loader = torch.utils.data.DataLoader(
        _Safe(_dataset(args)), batch_size=None, sampler=indices, num_workers=args.workers,
        worker_init_fn=_one_thread if args.workers else None,
    )
    failed, components = 0, set()
    for index, sample in tqdm(zip(indices, loader, strict=True), total=len(indices),
                              desc=f"synth {args.task}", unit="sample"):
        try:
            if sample is None:
                raise RuntimeError("generation failed")
            write_sample(out / sample["name"], sample, args.format, photo_png=args.task == "svbrdf")
            components.update(k for k in sample if k != "name")
        except Exception:  # one bad sample must not end a long run; the log has the traceback
            log.exception("sample %d failed", index)
            failed += 1
    manifest = {"task": args.task, "count": args.count, "start": args.start, "resolution": args.resolution,
                "seed": args.seed, "format": args.format, "components": sorted(components),
                "environment_probability": args.environment_probability,
                "jpeg_probability": args.jpeg_probability, "failed": failed}
    (out / "dataset.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if failed:
        sys.stderr.write(f"synth: {failed} of {args.count} samples failed; see the log for details.\n")
        return 1
    return 0


class _Safe:
    """Wraps a dataset so that a failing sample yields None (logged) instead of ending the run."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        try:
            return self.dataset[index]
        except Exception:
            log.exception("generating sample %d failed", index)
            return None


def _one_thread(_worker_id: int) -> None:
    import torch

    torch.set_num_threads(1)
