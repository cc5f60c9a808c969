"""Predictors: exported model folders load with their weights, tiny random models run, errors are clear."""

from __future__ import annotations

import json

import pytest
import torch

from benchmarks.eval.predictors import BaselinePredictor, load_predictor, normalize_exposure
from engine.pipelines.pixel_unet import DEFAULT_SCHEDULER, PixelUNetPipeline
from engine.tasks import SVBRDF
from tests.tiny_models import tiny_unet2d


def _photo(size: int = 16):
    g = torch.Generator().manual_seed(0)
    from engine.materials import halfway_map

    return torch.rand(1, 3, size, size, generator=g) * 0.5, halfway_map(size, size, 45.0)[None]


def _export_teamwork(folder, unet):
    from engine.teamwork import TeamworkConfig, adapt, save_checkpoint

    config = TeamworkConfig(tuple(SVBRDF.teammates()), lora_rank=2, profile="pixel")
    model = adapt(unet, config, seed=0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("adapter.up"):
                p.normal_(0.0, 0.05, generator=torch.Generator().manual_seed(1))
    unet.save_pretrained(folder / "base" / "unet", safe_serialization=True)
    (folder / "base" / "scheduler").mkdir(parents=True)
    (folder / "base" / "scheduler" / "scheduler_config.json").write_text(json.dumps(DEFAULT_SCHEDULER))
    save_checkpoint(model, config, folder / "adapter.safetensors")
    (folder / "model.json").write_text(json.dumps({"method": "teamwork", "task": "svbrdf",
                                                   "teammates": SVBRDF.teammates()}))
    return model, config


def test_exported_teamwork_folder_reproduces_the_in_memory_model(tmp_path):
    unet = tiny_unet2d()
    model, config = _export_teamwork(tmp_path / "model", unet)
    image, halfway = _photo()
    direct = PixelUNetPipeline(model.eval(), teammates=SVBRDF.teammates(), teamwork=config)
    expected = direct({"image": normalize_exposure(image), "halfway": halfway}, steps=1, seed=0).maps
    # a run folder holding model/ works too
    predictor = load_predictor(str(tmp_path), "svbrdf", steps=1, seed=0)
    got = predictor.svbrdf(image, halfway, 45.0)
    assert set(got) == {"diffuse", "specular", "roughness", "normals"}
    for k in got:
        assert torch.allclose(got[k], expected[k], atol=1e-5), k
    assert got["roughness"].shape == (1, 1, 16, 16)
    assert predictor.info["method"] == "teamwork" and len(predictor.seconds) == 1


def test_adapter_only_folder_uses_the_sibling_base(tmp_path):
    unet = tiny_unet2d()
    _export_teamwork(tmp_path / "full", unet)
    shared = tmp_path / "models"
    (shared / "svbrdf").mkdir(parents=True)
    (tmp_path / "full" / "base").rename(shared / "base")
    for name in ("adapter.safetensors", "model.json"):
        (tmp_path / "full" / name).rename(shared / "svbrdf" / name)
    predictor = load_predictor(str(shared / "svbrdf"), "svbrdf", steps=1)
    image, halfway = _photo()
    assert predictor.svbrdf(image, halfway, 45.0)["diffuse"].shape == (1, 3, 16, 16)


def test_head_expansion_folder(tmp_path):
    from engine.pipelines.head_expansion import widen

    wide = widen(tiny_unet2d(), SVBRDF.teammates())
    folder = tmp_path / "he"
    wide.save_pretrained(folder / "unet", safe_serialization=True)
    info = {"method": "head_expansion", "teammates": SVBRDF.teammates(), "scheduler": DEFAULT_SCHEDULER}
    (folder / "model.json").write_text(json.dumps(info))
    predictor = load_predictor(str(folder), "svbrdf", steps=1)
    image, halfway = _photo()
    maps = predictor.svbrdf(image, halfway, 45.0)
    assert maps["normals"].shape == (1, 3, 16, 16)
    assert torch.allclose(maps["normals"].norm(dim=1), torch.ones(1, 16, 16), atol=1e-4)


def test_random_tiny_and_baseline_predictors_and_errors(tmp_path):
    image, _ = _photo()
    tiny = load_predictor("random-tiny", "intrinsic", steps=1)
    out = tiny.intrinsic(image)
    # every output of the task runs (jointly estimated, as in the app), not only the scored ones
    assert set(out) == {"albedo", "diffuseshading", "residual", "normals", "depth"}
    assert out["albedo"].shape == (1, 3, 16, 16)
    assert isinstance(load_predictor("baseline", "svbrdf"), BaselinePredictor)
    with pytest.raises(ValueError, match="not an exported model folder"):
        load_predictor(str(tmp_path), "svbrdf")
    svbrdf_only = load_predictor("random-tiny", "svbrdf", steps=1)
    with pytest.raises(ValueError, match="estimates none of"):
        svbrdf_only.intrinsic(image)


def test_exposure_normalisation_matches_the_trainer():
    image = torch.rand(2, 3, 8, 8) * 5
    out = normalize_exposure(image)
    peaks = torch.quantile(out.amax(dim=1).flatten(1), 0.99, dim=1)
    assert torch.allclose(peaks, torch.full((2,), 0.8), atol=1e-5)


def test_embedded_spec_goes_through_estimate_and_agrees_with_the_folder_path(tmp_path, monkeypatch):
    import importlib

    estimate_module = importlib.import_module("engine.pipelines.estimate")

    _export_teamwork(tmp_path / "models" / "svbrdf", tiny_unet2d())
    monkeypatch.setattr(estimate_module, "embedded_folder", lambda task: tmp_path / "models" / task)
    image, halfway = _photo()
    embedded = load_predictor("embedded", "svbrdf", steps=1, seed=0)
    assert embedded.name == "embedded" and embedded.info["method"] == "teamwork"
    via_app = embedded.svbrdf(image, halfway, 45.0)
    via_folder = load_predictor(str(tmp_path / "models" / "svbrdf"), "svbrdf", steps=1, seed=0).svbrdf(
        image, halfway, 45.0)
    for k in via_folder:
        assert torch.allclose(via_app[k], via_folder[k], atol=1e-5), k
    with pytest.raises(ValueError, match="No embedded intrinsic model"):
        load_predictor("embedded", "intrinsic")
