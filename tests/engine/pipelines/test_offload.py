"""CPU offload (``engine.pipelines.offload``) and the dtype option, on CPU with tiny models.

The execution device is the CPU here (no GPU on the test machine), so "model" offload moves nothing;
"sequential" offload still keeps every weight off the module (on the meta device) and streams it in
from accelerate's CPU copy at each layer's forward, which exercises the Teamwork layers' preloading.
"""

import pytest
import torch

from engine.pipelines.load import load
from engine.pipelines.offload import OFFLOAD_MODES, apply_offload, check_offload
from engine.teamwork import adapted_layers
from tests.engine.pipelines.helpers import export_tiny_svbrdf_model, pixel_pipeline, svbrdf_inputs
from tests.engine.pipelines.test_latent_families import build

pytest.importorskip("accelerate")

OFFLOADED = [m for m in OFFLOAD_MODES if m != "none"]


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    return export_tiny_svbrdf_model(tmp_path_factory.mktemp("svbrdf"))


def run(pipe, **kwargs):
    return pipe(svbrdf_inputs((16, 16)), steps=2, seed=3, **kwargs).maps


def assert_same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=1e-6)


@pytest.mark.parametrize("mode", OFFLOADED)
def test_pixel_pipeline_gives_the_same_maps_with_offload(mode):
    reference = run(pixel_pipeline())
    pipe = apply_offload(pixel_pipeline(), mode, "cpu")
    assert pipe.offload == mode and pipe.device == torch.device("cpu")
    assert_same(run(pipe), reference)
    assert_same(run(pipe), reference)  # the hooks survive a second call
    assert_same(run(pipe, tileable=True), run(pixel_pipeline(), tileable=True))


@pytest.mark.parametrize("mode", OFFLOADED)
def test_latent_pipeline_gives_the_same_maps_with_offload(mode):
    reference = run(build("flux")[0])
    pipe = apply_offload(build("flux")[0], mode, "cpu")
    assert_same(run(pipe), reference)


def test_model_offload_chains_denoiser_and_vae_in_a_ring():
    pipe = apply_offload(build("sd3")[0], "model", "cpu")
    assert pipe.denoiser._hf_hook.prev_module_hook.model is pipe.vae
    assert pipe.vae._hf_hook.prev_module_hook.model is pipe.denoiser


def test_sequential_offload_keeps_weights_and_adapters_off_the_modules():
    pipe = apply_offload(pixel_pipeline(), "sequential", "cpu")
    assert {p.device.type for p in pipe.denoiser.parameters()} == {"meta"}
    layer = next(iter(adapted_layers(pipe.denoiser).values()))
    assert layer.adapter.down.device.type == "meta"
    run(pipe)
    assert layer.adapter.down.device.type == "meta"  # dropped again after the forward


def test_bad_offload_mode_is_one_clear_error(model_folder):
    message = "Unknown offload mode 'gpu'; use none, model or sequential."
    with pytest.raises(ValueError) as error:
        check_offload("gpu")
    assert str(error.value) == message
    with pytest.raises(ValueError, match="Unknown offload mode 'gpu'"):
        load(model_folder / "adapter.safetensors", base=model_folder / "base", device="cpu", offload="gpu")
    with pytest.raises(ValueError, match="Unknown offload mode"):
        apply_offload(pixel_pipeline(), "all", "cpu")


def test_offloading_twice_is_refused():
    pipe = apply_offload(pixel_pipeline(), "model", "cpu")
    with pytest.raises(ValueError, match="already offloaded"):
        apply_offload(pipe, "sequential", "cpu")


@pytest.mark.parametrize("mode", OFFLOADED)
def test_load_with_offload_matches_load_without(model_folder, mode):
    adapter, base = model_folder / "adapter.safetensors", model_folder / "base"
    reference = run(load(adapter, base=base, device="cpu"))
    pipe = load(adapter, base=base, device="cpu", offload=mode)
    assert pipe.offload == mode
    assert_same(run(pipe), reference)


def test_bf16_is_honoured_end_to_end(model_folder):
    pipe = load(model_folder / "adapter.safetensors", base=model_folder / "base", device="cpu", dtype="bf16")
    assert pipe.dtype == torch.bfloat16
    assert {p.dtype for p in pipe.denoiser.parameters()} == {torch.bfloat16}  # adapters included
    assert adapted_layers(pipe.denoiser)
    maps = run(pipe)
    reference = run(load(model_folder / "adapter.safetensors", base=model_folder / "base", device="cpu"))
    for name, x in maps.items():
        assert x.dtype == torch.float32 and torch.isfinite(x).all()
        assert not torch.equal(x, reference[name])  # it really ran in bf16
        torch.testing.assert_close(x, reference[name], rtol=0, atol=0.25)


def test_bad_dtype_is_one_clear_error(model_folder):
    with pytest.raises(ValueError, match="Unknown dtype 'int8'; use auto, fp32, fp16 or bf16."):
        load(model_folder / "adapter.safetensors", base=model_folder / "base", device="cpu", dtype="int8")



def test_estimate_options_reach_load_and_key_the_cache(model_folder):
    import numpy as np

    from engine.pipelines.estimate import EstimateOptions, ModelCache, estimate

    photo = np.random.default_rng(0).random((16, 16, 3), dtype=np.float32)
    cache = ModelCache(max_models=4)

    def options(**kwargs):
        return EstimateOptions(model=str(model_folder / "adapter.safetensors"), steps=2, device="cpu",
                               fov_degrees=45, **kwargs)

    plain = estimate(photo, options(), cache=cache)
    offloaded = estimate(photo, options(offload="sequential"), cache=cache)
    half = estimate(photo, options(dtype="bf16"), cache=cache)
    assert len(cache) == 3
    pipelines = list(cache._models.values())
    assert [getattr(p, "offload", "none") for p in pipelines] == ["none", "sequential", "none"]
    assert [p.dtype for p in pipelines] == [torch.float32, torch.float32, torch.bfloat16]
    for name, x in plain.maps.items():
        np.testing.assert_array_equal(offloaded.maps[name], x)
        assert half.maps[name].dtype == np.float32 and not np.array_equal(half.maps[name], x)
    estimate(photo, options(offload="sequential"), cache=cache)
    assert len(cache) == 3  # the same options reuse the warm pipeline
    with pytest.raises(ValueError, match="Unknown offload mode 'disk'"):
        estimate(photo, options(offload="disk"), cache=cache)
