import pytest
import torch

from engine.pipelines.latent import FluxPipeline, SD2Pipeline, SD3Pipeline, SDXLPipeline
from engine.pipelines.load import load
from engine.pipelines.prompts import cache_path, empty_prompt, store_empty_prompt
from engine.teamwork import TeamworkConfig, adapt, save_checkpoint
from tests.engine.pipelines.helpers import randomise_adapters, svbrdf_inputs
from tests.tiny_models import tiny_flux, tiny_sd3, tiny_unet_condition

DDIM = {"_class_name": "DDIMScheduler", "num_train_timesteps": 1000, "prediction_type": "epsilon",
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "clip_sample": False,
        "set_alpha_to_one": False, "steps_offset": 1}
FLOW = {"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0}
TEAMMATES = ["image.in", "halfway.in", "diffuse.out", "roughness.out", "normals.out"]


def tiny_vae(latent_channels: int = 4):
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(block_out_channels=(8, 8), down_block_types=("DownEncoderBlock2D",) * 2,
                         up_block_types=("UpDecoderBlock2D",) * 2, latent_channels=latent_channels,
                         norm_num_groups=4, layers_per_block=1, sample_size=16).eval()


def prompt(length: int, width: int, pooled: int | None):
    g = torch.Generator().manual_seed(0)
    out = {"prompt_embeds": torch.randn(1, length, width, generator=g)}
    if pooled:
        out["pooled"] = torch.randn(1, pooled, generator=g)
    return out


CASES = {
    "sd2": (lambda: tiny_unet_condition("sd2"), SD2Pipeline, DDIM, prompt(5, 12, None), 4, "SD2"),
    "sdxl": (lambda: tiny_unet_condition("sdxl"), SDXLPipeline, DDIM, prompt(5, 12, 12), 4, "SDXL"),
    "sd3": (tiny_sd3, SD3Pipeline, FLOW, prompt(5, 12, 10), 4, "SD3"),
    "flux": (tiny_flux, FluxPipeline, FLOW, prompt(5, 12, 10), 1, "FLUX"),
}


def write_sd3_folder(base) -> None:
    """A diffusers SD3 folder of the tiny models (transformer, vae, scheduler; no text encoders)."""
    import json

    tiny_sd3().save_pretrained(base / "transformer")
    tiny_vae().save_pretrained(base / "vae")
    (base / "scheduler").mkdir()
    (base / "scheduler" / "scheduler_config.json").write_text(json.dumps(FLOW))


def build(family: str):
    make, cls, scheduler, embeds, channels, profile = CASES[family]
    config = TeamworkConfig(tuple(TEAMMATES), lora_rank=2, profile=profile)
    model = adapt(make(), config, seed=0)
    randomise_adapters(model, scale=0.1)
    return cls(model, tiny_vae(channels), scheduler, TEAMMATES, embeds, config), model, config


@pytest.mark.parametrize("family", list(CASES))
def test_sampling_returns_every_output_at_the_input_size(family):
    pipe, _, _ = build(family)
    out = pipe(svbrdf_inputs((8, 12)), steps=2)
    assert set(out.maps) == {"diffuse", "roughness", "normals"}
    for name, x in out.maps.items():
        assert x.shape == (1, 1 if name == "roughness" else 3, 8, 12) and torch.isfinite(x).all()
    subset = pipe(svbrdf_inputs((8, 12)), ["normals"], steps=2)
    assert list(subset.maps) == ["normals"]


def test_vae_encoding_is_deterministic():
    pipe, _, _ = build("sd3")
    images = torch.rand(1, 3, 16, 16) * 2 - 1
    assert torch.equal(pipe.encode_images(images), pipe.encode_images(images))


def test_load_latent_folder_uses_the_cached_empty_prompt(tmp_path):
    pipe, model, config = build("sd3")
    base = tmp_path / "sd3"
    write_sd3_folder(base)
    save_checkpoint(model, config, tmp_path / "adapter.safetensors")
    with pytest.raises(ValueError, match="no cached empty-prompt embedding"):
        load(tmp_path / "adapter.safetensors", base=base, device="cpu")  # no text encoders, no cache
    store_empty_prompt(base, "sd3", CASES["sd3"][3])
    assert cache_path(base, "sd3").exists()
    assert torch.equal(empty_prompt(base, "sd3")["pooled"], CASES["sd3"][3]["pooled"])
    loaded = load(tmp_path / "adapter.safetensors", base=base, device="cpu")
    assert loaded.family == "sd3"
    torch.testing.assert_close(loaded(svbrdf_inputs(), ["diffuse"], steps=2).maps["diffuse"],
                               pipe(svbrdf_inputs(), ["diffuse"], steps=2).maps["diffuse"])
