"""The empty prompt is encoded once with the base folder's real text encoders (tiny CLIP / T5 here),
matches what diffusers' own pipelines encode, and is read from the cache ever after."""

import shutil

import pytest
import torch

from engine.pipelines.prompts import ENCODER_FOLDERS, cache_path, empty_prompt
from tests.tiny_models import write_tiny_text_encoders

pytest.importorskip("transformers")

# (prompt_embeds shape, pooled shape) of the tiny encoders: CLIP has 8 positions, T5 256 (SD3) / 512 (Flux)
SHAPES = {"sd2": ((1, 8, 12), None), "sdxl": ((1, 8, 12), (1, 12)), "sd3": ((1, 8 + 256, 12), (1, 10)),
          "flux": ((1, 512, 12), (1, 10))}


def diffusers_encoding(base, family):
    """The reference: diffusers' pipeline ``encode_prompt("")`` on the same folders."""
    import diffusers
    from transformers import (
        CLIPTextModel,
        CLIPTextModelWithProjection,
        CLIPTokenizer,
        T5EncoderModel,
        T5TokenizerFast,
    )

    def clip(index, projected):
        cls = CLIPTextModelWithProjection if projected else CLIPTextModel
        return (CLIPTokenizer.from_pretrained(base / f"tokenizer{index}"),
                cls.from_pretrained(base / f"text_encoder{index}").eval())

    def t5(index):
        return (T5TokenizerFast.from_pretrained(base / f"tokenizer{index}"),
                T5EncoderModel.from_pretrained(base / f"text_encoder{index}").eval())

    with torch.no_grad():
        if family == "sd2":
            tok, enc = clip("", False)
            pipe = diffusers.StableDiffusionPipeline(
                vae=None, text_encoder=enc, tokenizer=tok, unet=None, scheduler=None, safety_checker=None,
                feature_extractor=None, requires_safety_checker=False)
            embeds, _ = pipe.encode_prompt("", "cpu", 1, False)
            return embeds, None
        if family == "sdxl":
            (tok, enc), (tok2, enc2) = clip("", False), clip("_2", True)
            pipe = diffusers.StableDiffusionXLPipeline(
                vae=None, text_encoder=enc, text_encoder_2=enc2, tokenizer=tok, tokenizer_2=tok2, unet=None,
                scheduler=None)
            embeds, _, pooled, _ = pipe.encode_prompt("", device="cpu", do_classifier_free_guidance=False)
            return embeds, pooled
        if family == "sd3":
            (tok, enc), (tok2, enc2), (tok3, enc3) = clip("", True), clip("_2", True), t5("_3")
            pipe = diffusers.StableDiffusion3Pipeline(
                transformer=None, scheduler=None, vae=None, text_encoder=enc, tokenizer=tok,
                text_encoder_2=enc2, tokenizer_2=tok2, text_encoder_3=enc3, tokenizer_3=tok3)
            embeds, _, pooled, _ = pipe.encode_prompt(
                "", None, None, device="cpu", do_classifier_free_guidance=False, max_sequence_length=256)
            return embeds, pooled
        (tok, enc), (tok2, enc2) = clip("", False), t5("_2")
        pipe = diffusers.FluxPipeline(scheduler=None, vae=None, text_encoder=enc, tokenizer=tok,
                                      text_encoder_2=enc2, tokenizer_2=tok2, transformer=None)
        embeds, pooled, _ = pipe.encode_prompt("", None, device="cpu", max_sequence_length=512)
        return embeds, pooled


@pytest.mark.parametrize("family", list(SHAPES))
def test_empty_prompt_matches_diffusers_and_is_cached(tmp_path, family):
    base = tmp_path / family
    write_tiny_text_encoders(base, family)
    encoded = empty_prompt(base, family)
    embeds_shape, pooled_shape = SHAPES[family]
    assert encoded["prompt_embeds"].shape == embeds_shape
    assert ("pooled" in encoded) == (pooled_shape is not None)
    reference_embeds, reference_pooled = diffusers_encoding(base, family)
    torch.testing.assert_close(encoded["prompt_embeds"], reference_embeds.float())
    if pooled_shape is not None:
        assert encoded["pooled"].shape == pooled_shape
        torch.testing.assert_close(encoded["pooled"], reference_pooled.float())
    assert cache_path(base, family).exists()
    for name in ENCODER_FOLDERS[family]:  # the text encoders are never needed again
        shutil.rmtree(base / name)
    again = empty_prompt(base, family)
    for key, value in encoded.items():
        assert torch.equal(again[key], value.float())


def test_a_folder_without_text_encoders_or_cache_names_what_is_missing(tmp_path):
    base = tmp_path / "flux"
    write_tiny_text_encoders(base, "flux")
    shutil.rmtree(base / "text_encoder_2")
    with pytest.raises(ValueError, match="text_encoder_2"):
        empty_prompt(base, "flux")
    assert not cache_path(base, "flux").exists()


def test_loading_a_complete_folder_encodes_the_empty_prompt_once(tmp_path):
    from engine.pipelines.load import load
    from engine.teamwork import save_checkpoint
    from tests.engine.pipelines.helpers import svbrdf_inputs
    from tests.engine.pipelines.test_latent_families import build, write_sd3_folder

    _, model, config = build("sd3")
    base = tmp_path / "sd3"
    write_sd3_folder(base)
    write_tiny_text_encoders(base, "sd3")
    save_checkpoint(model, config, tmp_path / "adapter.safetensors")
    loaded = load(tmp_path / "adapter.safetensors", base=base, device="cpu")
    assert cache_path(base, "sd3").exists()
    first = loaded(svbrdf_inputs(), ["diffuse"], steps=2, seed=3).maps["diffuse"]
    for name in ENCODER_FOLDERS["sd3"]:
        shutil.rmtree(base / name)
    again = load(tmp_path / "adapter.safetensors", base=base, device="cpu")
    assert torch.isfinite(first).all()
    torch.testing.assert_close(again(svbrdf_inputs(), ["diffuse"], steps=2, seed=3).maps["diffuse"], first)
