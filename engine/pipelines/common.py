"""Small shared pieces of every pipeline: device/dtype choice, schedulers, seeds, ensembling."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import torch
from torch import nn

log = logging.getLogger(__name__)

SCHEDULERS = ("ddim", "dpm", "euler")
"""Scheduler names for the noise-prediction families (pixel UNet, SD2, SDXL)."""


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA, then MPS, then CPU; other values are passed to ``torch.device``."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"Unknown device {device!r}; use auto, cpu, cuda or mps.") from None


_DTYPES = {"fp32": torch.float32, "float32": torch.float32, "fp16": torch.float16,
           "float16": torch.float16, "bf16": torch.bfloat16, "bfloat16": torch.bfloat16}


def resolve_dtype(dtype: str | torch.dtype, device: torch.device) -> torch.dtype:
    """``"auto"``: fp32 on CPU and MPS, bf16 on CUDA when supported (else fp16)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if dtype not in _DTYPES:
        raise ValueError(f"Unknown dtype {dtype!r}; use auto, fp32, fp16 or bf16.")
    return _DTYPES[dtype]


def make_scheduler(base_config: dict, name: str | None):
    """A fresh diffusers scheduler built from the base model's scheduler config.

    ``name`` is one of :data:`SCHEDULERS` or None to keep the base class. The prediction type
    (epsilon or v_prediction) always comes from the base config.
    """
    from diffusers import (
        DDIMScheduler,
        DPMSolverMultistepScheduler,
        EulerDiscreteScheduler,
        FlowMatchEulerDiscreteScheduler,
    )

    config = dict(base_config)
    cls_name = config.get("_class_name", "DDIMScheduler")
    if cls_name.startswith("FlowMatch"):
        if name not in (None, "euler", "flow"):
            log.info("Flow-matching model: using the flow Euler scheduler instead of %s", name)
        return FlowMatchEulerDiscreteScheduler.from_config(config)
    classes = {"ddim": DDIMScheduler, "dpm": DPMSolverMultistepScheduler, "euler": EulerDiscreteScheduler}
    if name is None:
        import diffusers

        cls = getattr(diffusers, cls_name, DDIMScheduler)
        return cls.from_config(config)
    if name not in classes:
        raise ValueError(f"Unknown scheduler {name!r}; use one of {', '.join(SCHEDULERS)}.")
    if name == "dpm":
        config.update(algorithm_type="dpmsolver++", solver_order=2)
    if name == "ddim":
        config.setdefault("set_alpha_to_one", False)
    return classes[name].from_config(config)


def cpu_generator(seed: int | None) -> torch.Generator:
    """A CPU generator (results do not depend on the device); a None seed draws one at random."""
    generator = torch.Generator("cpu")
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(int(seed))
    return generator


def randn(shape: tuple[int, ...], generator: torch.Generator, device: torch.device,
          dtype: torch.dtype) -> torch.Tensor:
    """Gaussian noise drawn on the CPU from ``generator`` and moved to ``device``."""
    return torch.randn(shape, generator=generator, dtype=torch.float32).to(device=device, dtype=dtype)


def average_samples(maps: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Average engine maps ``(S,C,H,W)`` over samples; normals are renormalised afterwards."""
    from engine.tasks import normalize_normals

    out = {}
    for name, x in maps.items():
        mean = x.float().mean(dim=0, keepdim=True)
        out[name] = normalize_normals(mean) if name == "normals" else mean
    return out


@contextlib.contextmanager
def circular_padding(*modules: nn.Module | None) -> Iterator[None]:
    """Temporarily switch every padded ``Conv2d`` of ``modules`` to circular padding (tileable output)."""
    changed: list[tuple[nn.Conv2d, str]] = []
    try:
        for module in modules:
            if module is None:
                continue
            for layer in module.modules():
                if isinstance(layer, nn.Conv2d) and any(p > 0 for p in _padding(layer)):
                    changed.append((layer, layer.padding_mode))
                    layer.padding_mode = "circular"
        yield
    finally:
        for layer, mode in changed:
            layer.padding_mode = mode


def _padding(layer: nn.Conv2d) -> tuple[int, ...]:
    if isinstance(layer.padding, str):
        return (1,) if layer.padding == "same" else (0,)
    return tuple(layer.padding)


def free_memory(device: torch.device) -> None:
    """Return cached accelerator memory after a cancelled or finished run."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()
