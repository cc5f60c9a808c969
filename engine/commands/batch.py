"""``teamwork-studio batch DIR_OR_GLOB... --task ... --out DIR [--shard i/n]``: resumable folders of photos.

Inputs are folders (their image files; ``--recursive`` for sub-folders), glob patterns or files.
Outputs already finished (``DIR/<stem>/material.json`` exists) are skipped, so an interrupted batch
resumes where it stopped. ``--shard i/n`` (1 <= i <= n) processes every n-th photo of the sorted list,
starting with the i-th, so that n machines can share one batch without talking to each other.

Examples::

    teamwork-studio batch photos/ --task svbrdf --out materials/
    teamwork-studio batch "shoot/**/*.jpg" --task intrinsic --out out/ --shard 2/8
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

from engine.commands.estimate import add_estimate_arguments, run_inputs, settings_from_args, usage_error
from engine.io import IMAGE_EXTENSIONS
from engine.worker.runner import output_folders

HELP = "estimate materials for folders or globs of photos (resumable, --shard i/n for farms)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", metavar="DIR_OR_GLOB", help="folders, glob patterns or files")
    add_estimate_arguments(parser)
    parser.add_argument("--shard", metavar="i/n", help="process only the i-th of n equal shares (1-based)")
    parser.add_argument("--recursive", action="store_true", help="include photos in sub-folders")
    parser.add_argument("--overwrite", action="store_true", help="redo photos whose output is finished")


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"i/n"`` -> (i, n); raises ValueError with one sentence."""
    if text is None:
        return 1, 1
    try:
        first, second = text.split("/")
        index, count = int(first), int(second)
    except ValueError:
        raise ValueError(f"--shard must look like i/n (for example 2/8), not {text!r}") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: i must be between 1 and n")
    return index, count


def collect(sources: list[str], recursive: bool = False) -> list[Path]:
    """Sorted, de-duplicated image files from folders, glob patterns and file names."""
    found: set[Path] = set()
    for source in sources:
        path = Path(source)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found.update(
                p for p in path.glob(pattern) if p.suffix.lower() in IMAGE_EXTENSIONS and not p.is_dir()
            )
        elif glob.has_magic(source):
            found.update(
                Path(p)
                for p in glob.glob(source, recursive=True)
                if Path(p).suffix.lower() in IMAGE_EXTENSIONS
            )
        else:
            found.add(path)  # a plain file name: read_image reports it if it is missing or bad
    return sorted(found, key=lambda p: str(p))


def run(args: argparse.Namespace) -> int:
    problem = usage_error(args)
    try:
        index, count = parse_shard(args.shard)
    except ValueError as error:
        problem = problem or str(error)
    if problem:
        sys.stderr.write(f"teamwork-studio batch: {problem}.\n")
        return 2
    inputs = collect(args.sources, args.recursive)
    if not inputs:
        sys.stderr.write(f"teamwork-studio batch: no photos found in {' '.join(args.sources)}.\n")
        return 2
    folders = output_folders(inputs, args.out)  # names from the whole list: identical on every shard
    chosen = [k for k in range(len(inputs)) if k % count == index - 1]
    if not chosen:
        sys.stderr.write(f"teamwork-studio batch: shard {index}/{count} has nothing to do.\n")
        return 0
    return run_inputs(
        [inputs[k] for k in chosen],
        [folders[k] for k in chosen],
        settings_from_args(args),
        skip_finished=not args.overwrite,
    )
