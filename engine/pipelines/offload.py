"""CPU offload for large bases on modest GPUs, through accelerate's hooks.

Shaped after diffusers' ``enable_model_cpu_offload`` / ``enable_sequential_cpu_offload``:

- ``"none"``: the denoiser and the VAE live on the execution device (fastest, most memory).
- ``"model"``: both live on the CPU; a sub-model moves whole to the execution device when it runs
  (``accelerate.cpu_offload_with_hook``). The two hooks form a ring, so starting one sends the other
  back: at most one sub-model is on the GPU. The denoiser stays there for the whole loop, so the cost
  is two or three host-to-device copies per photo.
- ``"sequential"``: every layer's weights stay on the CPU and are copied to the execution device just
  before that layer runs, then dropped (``accelerate.cpu_offload``): the least memory, and the
  slowest, since the whole denoiser crosses the bus at every step.

Teamwork layers read ``adapter.down`` / ``adapter.up`` directly instead of calling the ``adapter``
child, so accelerate would never place those weights; they are listed as *preload* classes, whose
hook places the layer together with its children. The active-teammate rows live in a ContextVar of
the adapted model, which the hooks leave alone.

After :func:`apply_offload` the pipeline's ``device`` is the execution device (inputs, noise and the
prompt embedding go there); do not call ``pipeline.to()`` afterwards.
"""

from __future__ import annotations

import importlib.util
import logging

import torch

log = logging.getLogger(__name__)

OFFLOAD_MODES = ("none", "model", "sequential")

PRELOAD_CLASSES = ["TeamworkLinear", "TeamworkConv2d", "TeamworkGGUFLinear"]
"""Layer classes whose forward uses a child's weights without calling it (accelerate's preload list)."""


def check_offload(mode: str, quantised: bool = False) -> str:
    """``mode`` if it is one of :data:`OFFLOAD_MODES` and usable here, else one clear ValueError.

    ``quantised``: the denoiser has GGUF weights, which accelerate cannot stream layer by layer (it
    rebuilds each parameter without its quantisation type), so ``sequential`` is refused.
    """
    if mode not in OFFLOAD_MODES:
        raise ValueError(f"Unknown offload mode {mode!r}; use none, model or sequential.")
    if mode == "sequential" and quantised:
        raise ValueError("Sequential offload cannot stream GGUF-quantised weights; use model offload.")
    if mode != "none" and importlib.util.find_spec("accelerate") is None:
        raise ValueError("CPU offload needs the 'accelerate' package (pip install accelerate).")
    return mode


def apply_offload(pipeline, mode: str, execution_device: torch.device | str):
    """Set up ``mode`` offload of ``pipeline``'s denoiser and VAE; returns the pipeline.

    ``"none"`` simply moves the pipeline to ``execution_device``.
    """
    check_offload(mode, quantised=bool(getattr(pipeline.denoiser, "is_quantized", False)))
    device = torch.device(execution_device)
    if getattr(pipeline, "offload", "none") != "none":
        raise ValueError(f"This pipeline is already offloaded ({pipeline.offload}); load it again instead.")
    if mode == "none":
        return pipeline.to(device)
    if device.type == "cpu":
        log.info("Offload %s with a CPU execution device saves no memory", mode)
    pipeline.to("cpu")
    modules = [m for m in (pipeline.denoiser, pipeline.vae) if m is not None]
    if mode == "model":
        _model_offload(modules, device)
    else:
        _sequential_offload(modules, device)
    pipeline.device = device
    prompt = getattr(pipeline, "prompt", None)
    if prompt:
        pipeline.prompt = {k: v.to(device) for k, v in prompt.items()}
    pipeline.offload = mode
    log.info("Offload %s: %s on the CPU, running on %s", mode,
             " and ".join(type(m).__name__ for m in modules), device)
    return pipeline


def _model_offload(modules: list[torch.nn.Module], device: torch.device) -> None:
    from accelerate import cpu_offload_with_hook

    hooks = []
    for module in modules:
        _, hook = cpu_offload_with_hook(module, device, prev_module_hook=hooks[-1] if hooks else None)
        hooks.append(hook)
    if len(hooks) > 1:
        # a ring: the VAE runs before (encode) and after (decode) the denoiser
        hooks[0].hook.prev_module_hook = hooks[-1]


def _sequential_offload(modules: list[torch.nn.Module], device: torch.device) -> None:
    from accelerate import cpu_offload

    for module in modules:
        cpu_offload(module, device, offload_buffers=False, preload_module_classes=PRELOAD_CLASSES)
