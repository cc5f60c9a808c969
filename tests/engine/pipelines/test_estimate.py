import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from engine.pipelines import estimate as estimate_module
from engine.pipelines.estimate import EstimateOptions, ModelCache, ModelNotAvailable, estimate
from engine.pipelines.export_model import save_base
from engine.pipelines.load import ModelLoadError, detect_family, load
from engine.pipelines.pixel_unet import DEFAULT_SCHEDULER
from engine.tasks import SVBRDF
from tests.engine.pipelines.helpers import export_tiny_svbrdf_model
from tests.tiny_models import tiny_unet_condition


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    """An exported tiny SVBRDF model in the embedded layout (adapter.safetensors + base/)."""
    return export_tiny_svbrdf_model(tmp_path_factory.mktemp("svbrdf"))


def photo(h=20, w=24):
    return np.random.default_rng(0).random((h, w, 3), dtype=np.float32)


def test_estimate_returns_every_map(model_folder):
    options = EstimateOptions(model=str(model_folder / "adapter.safetensors"), steps=2, device="cpu",
                              fov_degrees=50)
    result = estimate(photo(), options)
    assert set(result.maps) == {"diffuse", "specular", "roughness", "normals"}
    assert result.maps["roughness"].shape == (20, 24, 1) and result.maps["normals"].shape == (20, 24, 3)
    assert all(m.dtype == np.float32 and np.isfinite(m).all() for m in result.maps.values())
    assert result.task == "svbrdf" and result.timings["total"] > 0 and not result.warnings


def test_estimate_options_and_cache(model_folder):
    cache = ModelCache()
    steps = []
    options = EstimateOptions(model=str(model_folder / "adapter.safetensors"), steps=2, device="cpu",
                              outputs=["normals"], max_size=16)
    result = estimate(photo(), options, progress=lambda s, n: steps.append((s, n)), cache=cache)
    again = estimate(photo(), options, cache=cache)
    assert len(cache) == 1 and steps == [(1, 2), (2, 2)]
    assert list(result.maps) == ["normals"] and result.maps["normals"].shape == (13, 16, 3)
    np.testing.assert_array_equal(result.maps["normals"], again.maps["normals"])
    assert any("downscaled" in w for w in result.warnings)
    assert any("field of view" in w for w in result.warnings)


def test_embedded_model_missing_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(estimate_module, "embedded_folder", lambda task: tmp_path / task)
    with pytest.raises(ModelNotAvailable, match="not shipped"):
        estimate(photo(), EstimateOptions(task="intrinsic"))


def test_embedded_model_loads_from_its_folder(monkeypatch, model_folder):
    monkeypatch.setattr(estimate_module, "embedded_folder", lambda task: model_folder)
    result = estimate(photo(16, 16), EstimateOptions(steps=1, device="cpu", tileable=True, fov_degrees=40))
    assert result.maps["diffuse"].shape == (16, 16, 3)


def test_bad_photos_fail_clearly(model_folder):
    options = EstimateOptions(model=str(model_folder / "adapter.safetensors"))
    with pytest.raises(ValueError, match="HxWx3"):
        estimate(np.zeros((8, 8)), options)
    with pytest.raises(ValueError, match="NaN"):
        estimate(np.full((8, 8, 3), np.nan, dtype=np.float32), options)


def test_load_detects_family_and_reports_mismatches(model_folder, tmp_path):
    pipe = load(model_folder / "adapter.safetensors", base=model_folder / "base", device="cpu")
    assert pipe.family == "pixel_unet" and pipe.teammates == SVBRDF.teammates()
    assert detect_family(model_folder / "base") == "pixel_unet"
    tiny_unet_condition("sdxl").save_pretrained(tmp_path / "sdxl" / "unet")
    assert detect_family(tmp_path / "sdxl") == "sdxl"
    with pytest.raises(ModelLoadError, match="trained for a pixel base"):
        load(model_folder / "adapter.safetensors", base=tmp_path / "sdxl")
    with pytest.raises(ModelLoadError, match="not a diffusers model folder"):
        load(model_folder / "adapter.safetensors", base=tmp_path)
    with pytest.raises(ModelLoadError, match="does not exist"):
        load(tmp_path / "nope.safetensors", base=model_folder / "base")
    wider = tmp_path / "wider"
    from diffusers import UNet2DModel

    unet = UNet2DModel(sample_size=8, layers_per_block=1, block_out_channels=(16, 32),
                       down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                       up_block_types=("AttnUpBlock2D", "UpBlock2D"), norm_num_groups=4, attention_head_dim=8)
    save_base(unet, DEFAULT_SCHEDULER, wider)
    with pytest.raises(ModelLoadError, match="does not fit"):
        load(model_folder / "adapter.safetensors", base=wider)
    bad = tmp_path / "bad.safetensors"
    save_file({"x": torch.zeros(1)}, bad)
    with pytest.raises(ModelLoadError, match="not a usable Teamwork checkpoint"):
        load(bad, base=model_folder / "base")


def test_the_embedded_models_folder_can_be_pointed_elsewhere(tmp_path, monkeypatch):
    from engine.paths import assets_dir
    from engine.pipelines.estimate import embedded_folder, embedded_model_available

    assert embedded_folder("svbrdf") == assets_dir() / "models" / "svbrdf"
    monkeypatch.setenv("TEAMWORK_STUDIO_MODELS_DIR", str(tmp_path))
    assert embedded_folder("svbrdf") == tmp_path / "svbrdf"
    assert not embedded_model_available("svbrdf")
    with pytest.raises(ModelNotAvailable, match="not shipped"):
        estimate(np.zeros((16, 16, 3), np.float32), EstimateOptions())
