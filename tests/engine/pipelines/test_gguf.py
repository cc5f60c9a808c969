"""GGUF-quantised Flux transformers: ``load(..., gguf=FILE)`` with a real tiny GGUF file.

The file is written with the ``gguf`` package from a tiny ``FluxTransformer2DModel`` in diffusers'
key layout (Q8_0 where a row is a multiple of 32 values, F32 elsewhere). Real Flux GGUF files use the
original (BFL) key layout, which diffusers converts with a fixed 3072 width, so a tiny file cannot
take that path; it is diffusers' own conversion and is not tested here.
"""

import json

import pytest
import torch

from engine.pipelines import latent
from engine.pipelines.latent import GGUF_PACKAGE_MISSING, FluxPipeline
from engine.pipelines.load import ModelLoadError, load
from engine.pipelines.offload import apply_offload
from engine.pipelines.prompts import store_empty_prompt
from engine.teamwork import TeamworkConfig, adapt, adapted_layers, save_checkpoint
from tests.engine.pipelines.helpers import export_tiny_svbrdf_model, randomise_adapters, svbrdf_inputs
from tests.engine.pipelines.test_latent_families import FLOW, TEAMMATES, prompt, tiny_vae

PROMPT = prompt(5, 32, 32)


def wide_flux(seed: int = 0, layers: int = 1):
    """A tiny Flux whose inner width (32) lets Q8_0 (blocks of 32) quantise most weights."""
    from diffusers import FluxTransformer2DModel

    torch.manual_seed(seed)
    return FluxTransformer2DModel(
        patch_size=1, in_channels=4, out_channels=4, num_layers=layers, num_single_layers=1,
        attention_head_dim=16, num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32,
        guidance_embeds=False, axes_dims_rope=(4, 6, 6)).eval()


def write_gguf(model, path):
    """Q8_0 for weights whose rows are multiples of 32, F32 for the rest; returns the state as diffusers
    dequantises it (its Q8_0 product is in float16, so not numpy's dequantisation)."""
    import gguf
    from diffusers.quantizers.gguf.utils import GGUFParameter, dequantize_gguf_tensor

    q8 = gguf.GGMLQuantizationType.Q8_0
    writer = gguf.GGUFWriter(str(path), "flux")
    dequantised = {}
    for key, value in model.state_dict().items():
        array = value.float().numpy()
        if array.ndim == 2 and array.shape[-1] % 32 == 0:
            packed = gguf.quants.quantize(array, q8)
            writer.add_tensor(key, packed, raw_dtype=q8)
            weight = GGUFParameter(torch.from_numpy(packed), quant_type=q8)
            dequantised[key] = dequantize_gguf_tensor(weight).float()
        else:
            writer.add_tensor(key, array)
            dequantised[key] = value.clone()
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return dequantised


@pytest.fixture(scope="module")
def flux_model(tmp_path_factory):
    """(adapter, base folder, GGUF file, dequantised state) of a tiny Flux SVBRDF model."""
    pytest.importorskip("gguf")
    folder = tmp_path_factory.mktemp("flux")
    model = wide_flux()
    model.save_pretrained(folder / "base" / "transformer")
    tiny_vae(1).save_pretrained(folder / "base" / "vae")
    (folder / "base" / "scheduler").mkdir()
    (folder / "base" / "scheduler" / "scheduler_config.json").write_text(json.dumps(FLOW))
    dequantised = write_gguf(model, folder / "transformer-Q8_0.gguf")
    config = TeamworkConfig(tuple(TEAMMATES), lora_rank=2, profile="FLUX")
    adapted = adapt(model, config, seed=0)
    randomise_adapters(adapted, scale=0.1)
    save_checkpoint(adapted, config, folder / "adapter.safetensors")
    return folder / "adapter.safetensors", folder / "base", folder / "transformer-Q8_0.gguf", dequantised


@pytest.fixture(autouse=True)
def _prompt_cache(flux_model):
    store_empty_prompt(flux_model[1], "flux", PROMPT)  # the cache folder is per test


def run(pipe):
    return pipe(svbrdf_inputs((16, 16)), steps=2, seed=1).maps


def reference_pipeline(flux_model):
    """The same model in plain float32 with the dequantised weights: what the GGUF run must equal."""
    from engine.teamwork import load_checkpoint

    adapter, base, _, dequantised = flux_model
    model = wide_flux()
    model.load_state_dict(dequantised)
    config, state = load_checkpoint(adapter)
    return FluxPipeline(adapt(model, config, state), tiny_vae(1), FLOW, TEAMMATES, PROMPT, config)


def test_gguf_transformer_runs_quantised_with_teamwork_layers(flux_model):
    from diffusers.quantizers.gguf.utils import GGUFLinear, GGUFParameter

    adapter, base, gguf_file, _ = flux_model
    pipe = load(adapter, base=base, device="cpu", gguf=gguf_file)
    layers = adapted_layers(pipe.denoiser)
    quantised = [m for m in layers.values() if isinstance(m, GGUFLinear)]
    assert len(quantised) >= len(layers) // 2
    assert all(isinstance(m.weight, GGUFParameter) and m.weight.dtype == torch.uint8 for m in quantised)
    assert isinstance(pipe.denoiser.context_embedder, GGUFLinear)  # not adapted, still quantised
    maps = run(pipe)
    reference = run(reference_pipeline(flux_model))
    for name, x in maps.items():
        assert x.dtype == torch.float32 and torch.isfinite(x).all()
        torch.testing.assert_close(x, reference[name], rtol=0, atol=1e-5)


def test_gguf_transformer_with_model_offload_gives_the_same_maps(flux_model):
    adapter, base, gguf_file, _ = flux_model
    reference = run(load(adapter, base=base, device="cpu", gguf=gguf_file))
    pipe = load(adapter, base=base, device="cpu", gguf=gguf_file, offload="model")
    assert pipe.offload == "model"
    maps = run(pipe)
    for name, x in maps.items():
        torch.testing.assert_close(x, reference[name], rtol=0, atol=1e-6)


def test_gguf_refuses_sequential_offload_in_one_sentence(flux_model):
    adapter, base, gguf_file, _ = flux_model
    message = "Sequential offload cannot stream GGUF-quantised weights; use model offload."
    with pytest.raises(ValueError) as error:
        load(adapter, base=base, device="cpu", gguf=gguf_file, offload="sequential")
    assert str(error.value) == message
    pipe = load(adapter, base=base, device="cpu", gguf=gguf_file)
    with pytest.raises(ValueError, match="^Sequential offload cannot stream"):
        apply_offload(pipe, "sequential", "cpu")


def test_gguf_in_bf16(flux_model):
    adapter, base, gguf_file, _ = flux_model
    pipe = load(adapter, base=base, device="cpu", gguf=gguf_file, dtype="bf16")
    layer = next(iter(adapted_layers(pipe.denoiser).values()))
    assert layer.adapter.down.dtype == torch.bfloat16 and layer.compute_dtype == torch.bfloat16
    assert all(torch.isfinite(x).all() for x in run(pipe).values())


def test_missing_or_wrong_gguf_files_are_one_sentence(flux_model, tmp_path):
    adapter, base, _, _ = flux_model
    with pytest.raises(ModelLoadError, match=r"^The GGUF file .*missing.gguf does not exist\.$"):
        load(adapter, base=base, device="cpu", gguf=tmp_path / "missing.gguf")
    text = tmp_path / "notes.gguf"
    text.write_text("hello")
    with pytest.raises(ModelLoadError, match=r"^notes.gguf is not a GGUF file\.$"):
        load(adapter, base=base, device="cpu", gguf=text)
    other = tmp_path / "other.gguf"
    write_gguf(wide_flux(layers=2), other)  # one more double block than the base folder's config
    with pytest.raises(ModelLoadError, match=r"^other.gguf does not fit the Flux base in "):
        load(adapter, base=base, device="cpu", gguf=other)


def test_missing_gguf_package_is_one_sentence(flux_model, monkeypatch):
    import importlib.util

    adapter, base, gguf_file, _ = flux_model
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "gguf" else find_spec(name, *args))
    with pytest.raises(ModelLoadError) as error:
        load(adapter, base=base, device="cpu", gguf=gguf_file)
    assert str(error.value) == GGUF_PACKAGE_MISSING


def test_gguf_needs_a_flux_base(tmp_path):
    folder = export_tiny_svbrdf_model(tmp_path / "pixel")
    with pytest.raises(ModelLoadError, match="GGUF transformer replaces the transformer of a Flux base"):
        load(folder / "adapter.safetensors", base=folder / "base", device="cpu", gguf=tmp_path / "x.gguf")


def test_adapting_leaves_the_quantised_base_as_it_was(flux_model):
    from diffusers.quantizers.gguf.utils import GGUFLinear

    _, base, gguf_file, _ = flux_model
    model = latent.load_gguf_transformer(gguf_file, base, torch.float32)
    before = {path: type(m) for path, m in model.named_modules()}
    config = TeamworkConfig(tuple(TEAMMATES), lora_rank=2, profile="FLUX")
    adapted = latent.adapt_quantized(model, config, None, torch.float32)
    assert {path: type(m) for path, m in model.named_modules()} == before
    assert GGUFLinear in before.values() and not hasattr(model, "_teamwork_team")
    assert type(adapted.transformer_blocks[0].attn.to_q).__name__ == "TeamworkGGUFLinear"
