"""``load(adapter_path, base=<local diffusers folder>)``: a ready Teamwork pipeline, no network.

The family comes from the base folder's configs: ``unet/config.json`` naming ``UNet2DModel``
(our pixel base), ``UNet2DConditionModel`` (SD2, or SDXL when ``addition_embed_type`` is
``text_time``), or ``transformer/config.json`` naming ``SD3Transformer2DModel`` /
``FluxTransformer2DModel``. Every failure is one plain sentence (:class:`ModelLoadError`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch

log = logging.getLogger(__name__)

FAMILY_PROFILES = {"pixel_unet": "pixel", "sd2": "SD2", "sdxl": "SDXL", "sd3": "SD3", "flux": "FLUX"}


class ModelLoadError(ValueError):
    """A model folder or adapter file that cannot be used (missing files, wrong family, wrong shapes)."""


def _config(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ModelLoadError(f"Cannot read {path}: {error}.") from None


def detect_family(base: str | Path) -> str:
    """``pixel_unet``, ``sd2``, ``sdxl``, ``sd3`` or ``flux`` from a diffusers folder's configs."""
    base = Path(base)
    if not base.is_dir():
        raise ModelLoadError(f"Base model folder {base} does not exist.")
    unet, transformer = base / "unet" / "config.json", base / "transformer" / "config.json"
    if unet.exists():
        config = _config(unet)
        name = config.get("_class_name")
        if name == "UNet2DModel":
            return "pixel_unet"
        if name == "UNet2DConditionModel":
            return "sdxl" if config.get("addition_embed_type") == "text_time" else "sd2"
        raise ModelLoadError(f"{unet} describes a {name}, which Teamwork Studio cannot use as a base.")
    if transformer.exists():
        name = _config(transformer).get("_class_name")
        families = {"SD3Transformer2DModel": "sd3", "FluxTransformer2DModel": "flux"}
        if name in families:
            return families[name]
        raise ModelLoadError(f"{transformer} describes a {name}, which Teamwork Studio cannot use as a base.")
    raise ModelLoadError(f"{base} is not a diffusers model folder (no unet/ or transformer/ config).")


def load(adapter_path: str | Path, base: str | Path, device: str | torch.device = "auto",
         dtype: str | torch.dtype = "auto", offload: str = "none", gguf: str | Path | None = None):
    """Load ``base``, adapt it with the Teamwork checkpoint at ``adapter_path``, return the pipeline.

    ``offload`` (``none``, ``model``, ``sequential``) keeps the denoiser and VAE on the CPU and moves
    them to ``device`` only while they run (see ``engine.pipelines.offload``). ``gguf``: a
    GGUF-quantised Flux transformer file used instead of the transformer in ``base`` (the VAE,
    scheduler and cached empty-prompt embedding still come from ``base``; needs the ``gguf`` package).
    """
    from engine.pipelines.common import resolve_device, resolve_dtype
    from engine.pipelines.offload import apply_offload, check_offload
    from engine.teamwork import TeamworkCheckpointError, adapt, load_checkpoint

    check_offload(offload, quantised=gguf is not None)
    adapter_path = Path(adapter_path)
    if not adapter_path.is_file():
        raise ModelLoadError(f"Adapter file {adapter_path} does not exist.")
    family = detect_family(base)
    if gguf is not None and family != "flux":
        raise ModelLoadError(f"A GGUF transformer replaces the transformer of a Flux base, but {base} holds "
                             f"a {FAMILY_PROFILES[family]} model.")
    try:
        config, state = load_checkpoint(adapter_path)
    except (TeamworkCheckpointError, ValueError) as error:
        raise ModelLoadError(f"{adapter_path.name} is not a usable Teamwork checkpoint: {error}") from None
    wanted = FAMILY_PROFILES[family]
    if config.profile.lower() not in ("auto", wanted.lower()):
        raise ModelLoadError(f"{adapter_path.name} was trained for a {config.profile} base, but {base} "
                             f"holds a {wanted} model.")
    device = resolve_device(device)
    dtype = resolve_dtype(dtype, device)
    if family not in _LOADERS:
        from engine.pipelines import latent  # noqa: F401  (registers the latent families)
    loader = _LOADERS.get(family)
    if loader is None:
        raise ModelLoadError(f"{wanted} bases are recognised but their sampling pipeline is not built yet.")
    denoiser, parts = loader(Path(base), dtype, **({"gguf": Path(gguf)} if gguf is not None else {}))
    try:
        model = parts.get("adapt", adapt)(denoiser, config, state)
    except ValueError as error:
        raise ModelLoadError(f"{adapter_path.name} does not fit the base model in {base}: {error}") from None
    build_device = device if offload == "none" else torch.device("cpu")
    pipeline = parts["pipeline"](model, teamwork=config, device=build_device, dtype=dtype, **parts["kwargs"])
    return apply_offload(pipeline, offload, device)


def _load_pixel(base: Path, dtype: torch.dtype):
    from engine.pipelines.pixel_unet import PixelUNetPipeline

    try:
        unet, scheduler = PixelUNetPipeline.load_base(base)
    except OSError as error:
        raise ModelLoadError(f"Cannot load the UNet in {base}: {error}") from None

    def build(model, teamwork, device, dtype, scheduler_config):
        return PixelUNetPipeline(model, scheduler_config, list(teamwork.teammates), teamwork, device, dtype)

    return unet, {"pipeline": build, "kwargs": {"scheduler_config": scheduler}}


_LOADERS = {"pixel_unet": _load_pixel}


def register_loader(family: str, loader) -> None:
    """Used by the latent-family modules to plug in their loaders."""
    _LOADERS[family] = loader
