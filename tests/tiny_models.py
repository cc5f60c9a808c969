"""Tiny, seeded, real diffusers models for tests (seconds to build, CPU, fp32).

Every factory seeds torch before building, so two calls give identical weights. Sizes follow
diffusers' own `get_dummy_components` style: the real classes at toy widths.
"""

from __future__ import annotations

import torch
from torch import nn


def _seed(seed: int) -> None:
    torch.manual_seed(seed)


def tiny_unet2d(seed: int = 0, sample_size: int = 16) -> nn.Module:
    """Pixel-space `UNet2DModel`: 3 channels in/out, widths (8, 16), attention at the coarsest level."""
    from diffusers import UNet2DModel

    _seed(seed)
    return UNet2DModel(
        sample_size=sample_size,
        in_channels=3,
        out_channels=3,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D"),
        norm_num_groups=4,
        attention_head_dim=8,
    ).eval()


def tiny_unet_condition(variant: str = "sd2", seed: int = 0, sample_size: int = 8) -> nn.Module:
    """`UNet2DConditionModel` shaped like SD2 (`variant="sd2"`) or SDXL (`"sdxl"`, text_time embedding)."""
    from diffusers import UNet2DConditionModel

    _seed(seed)
    common = dict(
        sample_size=sample_size,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        norm_num_groups=4,
        cross_attention_dim=12,
        attention_head_dim=(2, 4),
    )
    if variant == "sd2":
        return UNet2DConditionModel(**common, use_linear_projection=True).eval()
    if variant == "sdxl":
        return UNet2DConditionModel(
            **common,
            use_linear_projection=True,
            transformer_layers_per_block=(1, 2),
            addition_embed_type="text_time",
            addition_time_embed_dim=4,
            projection_class_embeddings_input_dim=4 * 6 + 12,
        ).eval()
    raise ValueError(f"Unknown UNet variant {variant!r}; expected 'sd2' or 'sdxl'.")


def tiny_sd3(seed: int = 0, sample_size: int = 8) -> nn.Module:
    """`SD3Transformer2DModel` with 2 joint blocks, 2 heads of 8, 4 latent channels."""
    from diffusers import SD3Transformer2DModel

    _seed(seed)
    return SD3Transformer2DModel(
        sample_size=sample_size,
        patch_size=2,
        in_channels=4,
        out_channels=4,
        num_layers=2,
        attention_head_dim=8,
        num_attention_heads=2,
        joint_attention_dim=12,
        caption_projection_dim=16,
        pooled_projection_dim=10,
        pos_embed_max_size=16,
    ).eval()


def tiny_flux(seed: int = 0) -> nn.Module:
    """`FluxTransformer2DModel` with 1 double and 1 single block, 2 heads of 8, 4 packed channels."""
    from diffusers import FluxTransformer2DModel

    _seed(seed)
    return FluxTransformer2DModel(
        patch_size=1,
        in_channels=4,
        out_channels=4,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=8,
        num_attention_heads=2,
        joint_attention_dim=12,
        pooled_projection_dim=10,
        guidance_embeds=False,
        axes_dims_rope=(2, 2, 4),
    ).eval()


class TinyMLP(nn.Module):
    """Two linear layers around a GELU."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, 2 * width)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(2 * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


def tiny_mlp(seed: int = 0, width: int = 8) -> nn.Module:
    """A two-layer MLP over the last dimension ([batch, tokens, width] -> same shape)."""
    _seed(seed)
    return TinyMLP(width).eval()


def _clip_text_encoder(folder, index: str, width: int, projection: int | None, seed: int) -> None:
    """A CLIP tokenizer (4-token BPE vocabulary, 8 positions) and text encoder under ``folder``."""
    import json
    import tempfile
    from pathlib import Path

    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    with tempfile.TemporaryDirectory() as scratch:
        vocab, merges = Path(scratch) / "vocab.json", Path(scratch) / "merges.txt"
        vocab.write_text(json.dumps({"<|startoftext|>": 0, "<|endoftext|>": 1, "a</w>": 2, "a": 3}))
        merges.write_text("#version: 0.2\n")
        tokenizer = CLIPTokenizer(str(vocab), str(merges), model_max_length=8)
        tokenizer.save_pretrained(folder / f"tokenizer{index}")
    config = CLIPTextConfig(vocab_size=4, hidden_size=width, intermediate_size=2 * width, num_hidden_layers=2,
                            num_attention_heads=2, max_position_embeddings=8,
                            projection_dim=projection or width, bos_token_id=0, eos_token_id=1,
                            pad_token_id=1)
    _seed(seed)
    model = CLIPTextModelWithProjection(config) if projection else CLIPTextModel(config)
    model.save_pretrained(folder / f"text_encoder{index}")


def _t5_text_encoder(folder, index: str, width: int, seed: int) -> None:
    """A T5 fast tokenizer (unigram, 5 pieces) and encoder under ``folder``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import T5Config, T5EncoderModel, T5TokenizerFast

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0), ("a", -3.0)]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=2))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    T5TokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                    extra_ids=0).save_pretrained(folder / f"tokenizer{index}")
    _seed(seed)
    T5EncoderModel(T5Config(vocab_size=5, d_model=width, d_kv=4, d_ff=2 * width, num_layers=1,
                            num_heads=2)).save_pretrained(folder / f"text_encoder{index}")


def write_tiny_text_encoders(folder, family: str) -> None:
    """The tokenizers and text encoders of ``family`` under ``folder`` (diffusers layout), at widths that
    fit the tiny denoisers above: SD2/SDXL cross-attention 12, SD3/Flux joint attention 12, pooled 10."""
    from pathlib import Path

    folder = Path(folder)
    if family == "sd2":
        _clip_text_encoder(folder, "", 12, None, seed=1)
    elif family == "sdxl":
        _clip_text_encoder(folder, "", 4, None, seed=1)
        _clip_text_encoder(folder, "_2", 8, 12, seed=2)
    elif family == "sd3":
        _clip_text_encoder(folder, "", 4, 4, seed=1)
        _clip_text_encoder(folder, "_2", 8, 6, seed=2)
        _t5_text_encoder(folder, "_3", 12, seed=3)
    elif family == "flux":
        _clip_text_encoder(folder, "", 10, None, seed=1)
        _t5_text_encoder(folder, "_2", 12, seed=3)
    else:
        raise ValueError(f"{family} has no text encoders.")
