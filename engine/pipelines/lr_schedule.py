"""Learning-rate schedules of the trainer: diffusers' named schedules plus warmup-stable-decay.

Warmup-stable-decay holds the rate constant and anneals it over the last ``decay_steps`` only, so a
run can be extended (more steps, the same decay length) without changing the steps already trained,
and the annealing at the end still brings the quick loss drop a decaying schedule gives.
"""

from __future__ import annotations

import math

import torch

from engine.pipelines.train_config import WARMUP_STABLE_DECAY


def warmup_stable_decay_factor(step: int, warmup_steps: int, decay_steps: int, total_steps: int) -> float:
    """Multiplier of the base rate: linear warmup, constant, then cosine down to zero at ``total_steps``."""
    if step < warmup_steps:
        return step / max(1, warmup_steps)
    decay_start = total_steps - decay_steps
    if step < decay_start:
        return 1.0
    progress = min(1.0, (step - decay_start) / max(1, decay_steps))
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def make_lr_scheduler(name: str, optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int,
                      decay_steps: int = 0) -> torch.optim.lr_scheduler.LRScheduler:
    """The schedule ``name`` for ``optimizer`` (diffusers' ``get_scheduler`` names or warmup_stable_decay)."""
    if name == WARMUP_STABLE_DECAY:
        def factor(step: int) -> float:
            return warmup_stable_decay_factor(step, warmup_steps, decay_steps, total_steps)

        return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    from diffusers.optimization import get_scheduler

    return get_scheduler(name, optimizer, num_warmup_steps=warmup_steps, num_training_steps=total_steps)
