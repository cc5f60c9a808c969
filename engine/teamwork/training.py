"""Training helpers: gradient checkpointing that keeps the active rows for the recomputation.

Checkpointed blocks are recomputed during `backward()`, which usually runs after the
`with active(...)` block has closed (and, on CUDA, on an autograd worker thread with its own
context). The function below captures the selection at forward time and re-activates it while the
block is recomputed:

    model.enable_gradient_checkpointing(gradient_checkpointing_func(model))
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch.utils.checkpoint
from torch import nn

from engine.teamwork.selection import team_of


def gradient_checkpointing_func(model: nn.Module) -> Callable:
    """A diffusers `gradient_checkpointing_func` for a Teamwork-adapted model."""
    team = team_of(model)

    def checkpointed(function: Callable, *args, **kwargs):
        selection = team.current()

        def contexts():
            return contextlib.nullcontext(), team.activate(selection)

        return torch.utils.checkpoint.checkpoint(
            function, *args, use_reentrant=False, context_fn=contexts, **kwargs
        )

    return checkpointed
