"""``teamwork-studio train CONFIG.toml``: train a Teamwork model (or the pixel base) in resumable chunks."""

from __future__ import annotations

import argparse
import logging
import sys

HELP = "train a Teamwork model from a TOML config (resumes from the run folder's last checkpoint)"

log = logging.getLogger(__name__)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="training config (TOML); see engine/pipelines/train_config.py")
    parser.add_argument("--until-step", type=int, default=None, help="stop (and checkpoint) at this step")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop (and checkpoint) after this many minutes")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    parser.add_argument("--output", default=None, help="run folder (default: [output] dir of the config)")
    parser.add_argument("--fresh", action="store_true", help="ignore existing checkpoints in the run folder")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--export", action="store_true",
                        help="also export the model (run folder's model/) when pausing before the last step")


def run(args: argparse.Namespace) -> int:
    from engine.pipelines.train import Trainer
    from engine.pipelines.train_config import TrainConfig

    try:
        config = TrainConfig.from_toml(args.config)
        trainer = Trainer(config, device=args.device, run_dir=args.output, resume=not args.fresh)
    except ValueError as error:
        sys.stderr.write(f"teamwork-studio train: {error}\n")
        return 2
    end = min(config.train.steps, args.until_step or config.train.steps)
    bar = None
    if not args.no_progress and trainer.is_main:
        from tqdm import tqdm

        bar = tqdm(total=end, initial=trainer.step, unit="step", desc="train")

    def progress(step: int, total: int) -> None:
        if bar is not None:
            bar.update(step - bar.n)

    try:
        step = trainer.run(until_step=args.until_step, max_minutes=args.max_minutes, progress=progress)
    except KeyboardInterrupt:
        trainer.save()
        raise
    finally:
        if bar is not None:
            bar.close()
    if not trainer.is_main:
        return 0
    if args.export and step < config.train.steps:
        trainer.export()
    done = "finished" if step >= config.train.steps else "paused"
    processes = trainer.accelerator.num_processes if trainer.accelerator is not None else 1
    where = f" on {processes} processes" if processes > 1 else ""
    sys.stdout.write(f"Training {done} at step {step}/{config.train.steps}{where}; "
                     f"run folder {trainer.run_dir}\n")
    return 0
