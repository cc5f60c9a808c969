"""The empty-prompt embedding of a text-conditioned base, computed once and cached on disk.

Teamwork needs no prompt: every family runs on the embedding of ``""``. It is computed the first
time a base folder is used (loading its text encoders, which needs the ``transformers`` package),
saved to ``cache_dir()/prompt_embeddings/<family>-<hash of the folder>.safetensors`` and read from
there ever after, so the text encoders are never loaded again.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

log = logging.getLogger(__name__)


def cache_path(base: str | Path, family: str) -> Path:
    from engine.paths import cache_dir

    digest = hashlib.sha1(str(Path(base).resolve()).encode()).hexdigest()[:16]
    return cache_dir() / "prompt_embeddings" / f"{family}-{digest}.safetensors"


def empty_prompt(base: str | Path, family: str) -> dict[str, torch.Tensor]:
    """``{"prompt_embeds": (1,L,D), "pooled": (1,P)}`` (pooled only for SDXL, SD3, Flux)."""
    path = cache_path(base, family)
    if path.exists():
        return load_file(path)
    tensors = _encode_empty_prompt(Path(base), family)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous().float().cpu() for k, v in tensors.items()}, path)
    log.info("Cached the empty-prompt embedding of %s in %s", base, path)
    return tensors


def store_empty_prompt(base: str | Path, family: str, tensors: dict[str, torch.Tensor]) -> Path:
    """Write an embedding to the cache (e.g. computed elsewhere)."""
    path = cache_path(base, family)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous().float().cpu() for k, v in tensors.items()}, path)
    return path


# the folders each family's empty prompt is encoded from (diffusers' pipeline layout)
ENCODER_FOLDERS = {
    "sd2": ("tokenizer", "text_encoder"),
    "sdxl": ("tokenizer", "text_encoder", "tokenizer_2", "text_encoder_2"),
    "sd3": ("tokenizer", "text_encoder", "tokenizer_2", "text_encoder_2", "tokenizer_3", "text_encoder_3"),
    "flux": ("tokenizer", "text_encoder", "tokenizer_2", "text_encoder_2"),
}


@torch.no_grad()
def _clip(base: Path, index: str, penultimate: bool, projected: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Hidden states of ``""`` and the pooled vector (projected ``text_embeds`` or ``pooler_output``)."""
    from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(base / f"tokenizer{index}")
    cls = CLIPTextModelWithProjection if projected else CLIPTextModel
    encoder = cls.from_pretrained(base / f"text_encoder{index}", use_safetensors=True).eval()
    ids = tokenizer("", padding="max_length", max_length=tokenizer.model_max_length, truncation=True,
                    return_tensors="pt").input_ids
    out = encoder(ids, output_hidden_states=True)
    hidden = out.hidden_states[-2] if penultimate else out.last_hidden_state
    return hidden, out.text_embeds if projected else out.pooler_output


@torch.no_grad()
def _t5(base: Path, index: str, max_length: int) -> torch.Tensor:
    from transformers import T5EncoderModel, T5TokenizerFast

    tokenizer = T5TokenizerFast.from_pretrained(base / f"tokenizer{index}")
    encoder = T5EncoderModel.from_pretrained(base / f"text_encoder{index}", use_safetensors=True).eval()
    ids = tokenizer("", padding="max_length", max_length=max_length, truncation=True,
                    return_tensors="pt").input_ids
    return encoder(ids).last_hidden_state


def _encode_empty_prompt(base: Path, family: str) -> dict[str, torch.Tensor]:
    if family not in ENCODER_FOLDERS:
        raise ValueError(f"The {family} family has no text encoders.")
    missing = [name for name in ENCODER_FOLDERS[family] if not (base / name).is_dir()]
    if missing:
        raise ValueError(
            f"{base} has no cached empty-prompt embedding and lacks {', '.join(m + '/' for m in missing)} "
            "to encode one: use the complete diffusers folder once (its text encoders are needed one time)."
        )
    try:
        import transformers  # noqa: F401
    except ImportError:
        raise ValueError(
            f"Encoding the empty prompt of {base} needs the 'transformers' package once; install it "
            "(pip install 'teamwork-studio[prompts]') or copy a cached embedding into the cache folder."
        ) from None
    if family == "sd2":
        hidden, _ = _clip(base, "", penultimate=False, projected=False)
        return {"prompt_embeds": hidden}
    if family == "sdxl":
        h1, _ = _clip(base, "", penultimate=True, projected=False)
        h2, pooled = _clip(base, "_2", penultimate=True, projected=True)
        return {"prompt_embeds": torch.cat([h1, h2], dim=-1), "pooled": pooled}
    if family == "sd3":
        h1, p1 = _clip(base, "", penultimate=True, projected=True)
        h2, p2 = _clip(base, "_2", penultimate=True, projected=True)
        t5 = _t5(base, "_3", 256)
        clip = torch.cat([h1, h2], dim=-1)
        clip = torch.nn.functional.pad(clip, (0, t5.shape[-1] - clip.shape[-1]))
        return {"prompt_embeds": torch.cat([clip, t5], dim=-2), "pooled": torch.cat([p1, p2], dim=-1)}
    _, pooled = _clip(base, "", penultimate=False, projected=False)  # flux
    return {"prompt_embeds": _t5(base, "_2", 512), "pooled": pooled}
