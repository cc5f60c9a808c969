"""Latent families: SD2 / SDXL (`UNet2DConditionModel`), SD3 (flow matching) and Flux (packed latents).

Shared: a VAE with deterministic encoding (the latent distribution's mode), scaling and shift
factors, tiled VAE encode/decode for large images, and the cached empty-prompt embedding (the text
encoders are never loaded by sampling). Each family only adds its denoiser call.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import torch
from torch import nn

from engine.pipelines.base import TeamworkPipeline
from engine.pipelines.tiling import tiled_map

log = logging.getLogger(__name__)

VAE_TILE = 512
"""Image pixels per VAE tile (encode and decode)."""


class LatentPipeline(TeamworkPipeline):
    """A Teamwork pipeline whose teammates live in a VAE's latent space."""

    default_tile = 96

    def __init__(self, denoiser: nn.Module, vae: nn.Module, scheduler_config: dict, teammates: list[str],
                 prompt: dict[str, torch.Tensor], teamwork=None, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__(denoiser, scheduler_config, teammates, teamwork, vae, device, dtype)
        self.prompt = {k: v.to(self.device, self.dtype) for k, v in prompt.items()}

    @property
    def latent_channels(self) -> int:  # type: ignore[override]
        return self.vae.config.latent_channels

    @property
    def latent_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def size_factor(self) -> int:
        return self.latent_factor * self.denoiser_factor

    @property
    def denoiser_factor(self) -> int:
        return 1

    def _scale(self) -> tuple[float, float]:
        config = self.vae.config
        return float(config.scaling_factor), float(getattr(config, "shift_factor", None) or 0.0)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        scale, shift = self._scale()

        def encode(x: torch.Tensor) -> torch.Tensor:
            return (self.vae.encode(x).latent_dist.mode() - shift) * scale

        return tiled_map(encode, images, VAE_TILE, VAE_TILE // 8, 1 / self.latent_factor)

    def decode_latents(self, latents: torch.Tensor) -> torch.Tensor:
        scale, shift = self._scale()
        tile = VAE_TILE // self.latent_factor

        def decode(z: torch.Tensor) -> torch.Tensor:
            return self.vae.decode(z / scale + shift).sample

        return tiled_map(decode, latents, tile, tile // 8, self.latent_factor)

    def _embeds(self, rows: int) -> torch.Tensor:
        embeds = self.prompt["prompt_embeds"]
        return embeds.expand(rows, *embeds.shape[1:])

    def _pooled(self, rows: int) -> torch.Tensor:
        pooled = self.prompt["pooled"]
        return pooled.expand(rows, *pooled.shape[1:])


class SD2Pipeline(LatentPipeline):
    family = "sd2"

    @property
    def denoiser_factor(self) -> int:
        return 2 ** (len(self.denoiser.config.block_out_channels) - 1)

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        return self.denoiser(x, t, encoder_hidden_states=self._embeds(x.shape[0])).sample


class SDXLPipeline(SD2Pipeline):
    """SDXL: adds the pooled text embedding and the size conditioning (original, crop, target)."""

    family = "sdxl"

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        h, w = x.shape[-2] * self.latent_factor, x.shape[-1] * self.latent_factor
        time_ids = torch.tensor([h, w, 0, 0, h, w], device=x.device, dtype=x.dtype).expand(x.shape[0], 6)
        cond = {"text_embeds": self._pooled(x.shape[0]), "time_ids": time_ids}
        embeds = self._embeds(x.shape[0])
        return self.denoiser(x, t, encoder_hidden_states=embeds, added_cond_kwargs=cond).sample


def _shift(scheduler, sequence: int) -> dict:
    """``mu`` for schedulers with resolution-dependent shifting (Flux's formula)."""
    config = scheduler.config
    if not getattr(config, "use_dynamic_shifting", False):
        return {}
    lo, hi = config.get("base_image_seq_len", 256), config.get("max_image_seq_len", 4096)
    s_lo, s_hi = config.get("base_shift", 0.5), config.get("max_shift", 1.15)
    slope = (s_hi - s_lo) / (hi - lo)
    return {"mu": sequence * slope + s_lo - slope * lo}


class SD3Pipeline(LatentPipeline):
    """SD3: flow matching; the transformer patchifies the latent itself."""

    family = "sd3"

    @property
    def denoiser_factor(self) -> int:
        return int(self.denoiser.config.patch_size)

    def set_timesteps(self, scheduler, steps: int, latent_hw: tuple[int, int]) -> None:
        sequence = latent_hw[0] * latent_hw[1] // self.denoiser_factor**2
        scheduler.set_timesteps(steps, device=self.device, **_shift(scheduler, sequence))

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        rows = x.shape[0]
        return self.denoiser(hidden_states=x, timestep=t, encoder_hidden_states=self._embeds(rows),
                             pooled_projections=self._pooled(rows)).sample


class FluxPipeline(LatentPipeline):
    """Flux: latents packed 2x2 into tokens, rotary position ids, optional guidance embedding."""

    family = "flux"
    guidance = 3.5

    @property
    def latent_channels(self) -> int:  # type: ignore[override]
        return self.denoiser.config.in_channels // 4

    @property
    def denoiser_factor(self) -> int:
        return 2

    def set_timesteps(self, scheduler, steps: int, latent_hw: tuple[int, int]) -> None:
        import numpy as np

        sequence = latent_hw[0] * latent_hw[1] // 4
        sigmas = np.linspace(1.0, 1 / steps, steps)
        scheduler.set_timesteps(steps, device=self.device, sigmas=sigmas, **_shift(scheduler, sequence))

    def _forward(self, x: torch.Tensor, t: torch.Tensor, groups: int) -> torch.Tensor:
        rows, c, h, w = x.shape
        packed = x.view(rows, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(rows, -1, c * 4)
        img_ids = torch.zeros(h // 2, w // 2, 3, device=x.device, dtype=x.dtype)
        img_ids[..., 1] = torch.arange(h // 2, device=x.device)[:, None]
        img_ids[..., 2] = torch.arange(w // 2, device=x.device)[None, :]
        embeds = self._embeds(rows)
        txt_ids = torch.zeros(embeds.shape[1], 3, device=x.device, dtype=x.dtype)
        guidance = None
        if self.denoiser.config.guidance_embeds:
            guidance = torch.full((rows,), self.guidance, device=x.device, dtype=x.dtype)
        out = self.denoiser(hidden_states=packed, timestep=t / 1000, guidance=guidance,
                            pooled_projections=self._pooled(rows), encoder_hidden_states=embeds,
                            txt_ids=txt_ids, img_ids=img_ids.reshape(-1, 3)).sample
        return out.view(rows, h // 2, w // 2, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(rows, c, h, w)


FAMILIES = {"sd2": SD2Pipeline, "sdxl": SDXLPipeline, "sd3": SD3Pipeline, "flux": FluxPipeline}


def load_latent_base(base: Path, family: str, dtype: torch.dtype, gguf: Path | None = None):
    """(denoiser, parts for ``engine.pipelines.load``) of a local diffusers folder; no network.

    ``gguf`` (Flux only): a GGUF-quantised transformer file used instead of the folder's weights.
    """
    import diffusers

    from engine.pipelines.load import ModelLoadError
    from engine.pipelines.prompts import empty_prompt

    sub = "unet" if family in ("sd2", "sdxl") else "transformer"
    for folder in (sub, "vae", "scheduler"):
        if not (base / folder).is_dir():
            raise ModelLoadError(f"The {family} base folder {base} has no {folder}/ folder.")
    parts: dict = {"kwargs": {}}
    cls = FAMILIES[family]
    if gguf is not None:
        if family != "flux":
            raise ModelLoadError(f"A GGUF file can replace only a Flux transformer, not a {family} one.")
        denoiser = load_gguf_transformer(Path(gguf), base, dtype)
        cls = GGUFFluxPipeline
        parts["adapt"] = lambda model, teamwork, state: adapt_quantized(model, teamwork, state, dtype)
    try:
        config = json.loads((base / sub / "config.json").read_text())
        if gguf is None:
            cls_name = config["_class_name"]
            denoiser = getattr(diffusers, cls_name).from_pretrained(base / sub, torch_dtype=dtype)
        vae = diffusers.AutoencoderKL.from_pretrained(base / "vae", torch_dtype=dtype)
    except (OSError, KeyError, ValueError) as error:
        raise ModelLoadError(f"Cannot load the {family} base in {base}: {error}") from None
    scheduler = json.loads((base / "scheduler" / "scheduler_config.json").read_text())
    prompt = empty_prompt(base, family)

    def build(model, teamwork, device, dtype, **kwargs):
        return cls(model, vae, scheduler, list(teamwork.teammates), prompt, teamwork, device, dtype)

    parts["pipeline"] = build
    return denoiser.eval().requires_grad_(False), parts


# ---- GGUF-quantised Flux transformers -----------------------------------------------------------
GGUF_PACKAGE_MISSING = ("Loading a GGUF transformer needs the optional 'gguf' package; "
                        "install it with pip install 'teamwork-studio[gguf]'.")


def load_gguf_transformer(path: Path, base: Path, dtype: torch.dtype) -> nn.Module:
    """The Flux transformer of the GGUF file ``path`` (config from ``base/transformer``), weights kept
    quantised and dequantised layer by layer to ``dtype`` (diffusers' ``GGUFLinear``)."""
    import importlib.util

    from engine.pipelines.load import ModelLoadError

    if not path.is_file():
        raise ModelLoadError(f"The GGUF file {path} does not exist.")
    with path.open("rb") as file:
        if file.read(4) != b"GGUF":
            raise ModelLoadError(f"{path.name} is not a GGUF file.")
    if any(importlib.util.find_spec(name) is None for name in ("gguf", "accelerate")):
        raise ModelLoadError(GGUF_PACKAGE_MISSING)
    try:
        from diffusers import FluxTransformer2DModel, GGUFQuantizationConfig
    except ImportError:
        raise ModelLoadError("Loading a GGUF transformer needs diffusers 0.32 or newer.") from None

    try:
        return FluxTransformer2DModel.from_single_file(
            str(path), quantization_config=GGUFQuantizationConfig(compute_dtype=dtype), config=str(base),
            subfolder="transformer", torch_dtype=dtype, local_files_only=True)
    except Exception as error:  # diffusers raises many kinds; the user gets one sentence, the log the rest
        log.debug("GGUF load failed", exc_info=True)
        raise ModelLoadError(f"{path.name} does not fit the Flux base in {base}: {error}") from None


class GGUFFluxPipeline(FluxPipeline):
    """Flux on a GGUF-quantised transformer: ``to()`` moves the denoiser but never casts it (diffusers
    refuses dtype casts of quantised models; its float parts were loaded in the compute dtype)."""

    def to(self, device: torch.device | str, dtype: torch.dtype | None = None) -> GGUFFluxPipeline:
        self.device = torch.device(device)
        self.dtype = dtype or self.dtype
        self.denoiser.to(self.device)
        self.vae.to(self.device)
        if next(self.vae.parameters()).dtype != self.dtype:
            self.vae.to(dtype=self.dtype)
        return self


@functools.cache
def gguf_layer_class() -> type:
    """``TeamworkGGUFLinear``: a Teamwork layer over diffusers' ``GGUFLinear`` (needs ``gguf``)."""
    from diffusers.quantizers.gguf.utils import GGUFLinear

    from engine.teamwork.layers import TeamworkLayerMixin, team_offset_last

    class TeamworkGGUFLinear(GGUFLinear, TeamworkLayerMixin):
        """The base output comes from ``GGUFLinear`` (dequantised weight); the offset is added to it."""

        def forward(self, input: torch.Tensor) -> torch.Tensor:
            selection = self._selection(input.shape[0])
            y = super().forward(input)
            dtype = self.adapter.down.dtype
            x3 = input.reshape(input.shape[0], -1, input.shape[-1]).to(dtype)
            y3 = y.reshape(y.shape[0], -1, y.shape[-1]).to(dtype)
            out = team_offset_last(y3, x3, self.adapter, selection, self.communicate)
            return out.view(y.shape).to(y.dtype)

    return TeamworkGGUFLinear


def _retyped(module: nn.Module, cls: type) -> nn.Module:
    """A ``cls`` instance over ``module``'s attributes (parameters shared)."""
    clone = cls.__new__(cls)
    clone.__dict__.update(module.__dict__)
    return clone


def _replace(model: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, leaf = path.rpartition(".")
    model.get_submodule(parent)._modules[leaf] = module


def adapt_quantized(denoiser: nn.Module, config, state, dtype: torch.dtype) -> nn.Module:
    """``engine.teamwork.adapt`` for a GGUF denoiser: its ``GGUFLinear`` layers are adapted like Linear
    layers (as plain-Linear stand-ins during ``adapt``), then become ``TeamworkGGUFLinear`` (adapted)
    or ``GGUFLinear`` again. ``denoiser`` is left as it was; adapters are created in ``dtype``."""
    from diffusers.quantizers.gguf.utils import GGUFLinear

    from engine.teamwork import adapt
    from engine.teamwork.layers import TeamworkLayerMixin

    quantised = {path: m for path, m in denoiser.named_modules() if isinstance(m, GGUFLinear)}
    for path, module in quantised.items():
        _replace(denoiser, path, _retyped(module, nn.Linear))
    try:
        adapted = adapt(denoiser, config, state, dtype=dtype)
    finally:
        for path, module in quantised.items():
            _replace(denoiser, path, module)
    layer_class = gguf_layer_class()
    for path in quantised:
        module = adapted.get_submodule(path)
        _replace(adapted, path, _retyped(module, layer_class if isinstance(module, TeamworkLayerMixin)
                                         else GGUFLinear))
    return adapted


def _register() -> None:
    from engine.pipelines.load import register_loader

    for family in FAMILIES:
        register_loader(family, lambda base, dtype, family=family, **kwargs: load_latent_base(
            base, family, dtype, **kwargs))


_register()

