import numpy as np
import pytest
import torch

from engine.pipelines.train_data import DataMix, FolderSource, SVBRDFSource, ToySource, make_source


def test_svbrdf_source_renders_complete_examples():
    example = SVBRDFSource().sample(torch.Generator().manual_seed(0), 16)
    assert set(example.maps) == set(SVBRDFSource.components)
    assert example.maps["roughness"].shape == (1, 16, 16) and example.maps["image"].shape == (3, 16, 16)
    assert torch.quantile(example.maps["image"].amax(0).flatten(), 0.99) == pytest.approx(0.8, rel=1e-3)
    assert torch.allclose(example.maps["normals"].norm(dim=0), torch.ones(16, 16), atol=1e-4)


def test_folder_source_reads_only_the_components_present(tmp_path):
    import imageio.v3 as iio

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    grey = np.full((12, 10, 3), 128, np.uint8)
    iio.imwrite(a / "image.png", grey)
    iio.imwrite(a / "albedo.png", grey)
    iio.imwrite(b / "image.png", grey)
    iio.imwrite(b / "normals.png", np.dstack([grey[..., :2], np.full((12, 10), 255, np.uint8)]))
    source = FolderSource(tmp_path)
    assert source.components == ("albedo", "image", "normals")
    seen = set()
    generator = torch.Generator().manual_seed(0)
    for _ in range(6):
        example = source.sample(generator, 8)
        seen.add(tuple(sorted(example.maps)))
        assert all(x.shape[-2:] == (8, 8) for x in example.maps.values())
        if "image" in example.maps:
            assert example.maps["image"].mean() == pytest.approx((128 / 255) ** 2.2, rel=1e-4)
    assert seen == {("albedo", "image"), ("image", "normals")}


def test_mix_follows_weights_and_is_reproducible():
    mix = DataMix([ToySource(["albedo"]), ToySource(["roughness"])], [3, 1])
    batch = mix.batch(torch.Generator().manual_seed(0), 200, 4)
    share = sum("albedo" in e.maps for e in batch) / 200
    assert 0.65 < share < 0.85
    again = mix.batch(torch.Generator().manual_seed(0), 200, 4)
    assert all(torch.equal(x.maps["image"], y.maps["image"]) for x, y in zip(batch, again, strict=True))
    with pytest.raises(ValueError, match="Unknown data source"):
        make_source("nope", {})
    with pytest.raises(ValueError, match="Bad options"):
        make_source("toy", {"colour": 1})


def test_generated_svbrdf_source_keeps_held_out_families_and_environments_out():
    source = make_source("generated_svbrdf", {"exclude_families": ["woven_fabric"],
                                              "exclude_environments": ["courtyard"],
                                              "environment_probability": 1.0})
    assert "woven_fabric" not in source.families and "courtyard" not in source.environments
    assert source._dataset(16).environments == source.environments
    example = source.sample(torch.Generator().manual_seed(0), 16)
    assert example.maps["image"].shape == (3, 16, 16) and "halfway" not in example.maps
    with pytest.raises(ValueError, match="Unknown HDR environments"):
        make_source("generated_svbrdf", {"exclude_environments": ["atlantis"]})


def test_generated_intrinsic_source_keeps_held_out_families_and_environments_out(monkeypatch):
    from engine.materials import scenes

    source = make_source("generated_intrinsic", {"exclude_families": ["woven_fabric", "hammered_metal"],
                                                 "exclude_environments": ["courtyard"], "texture_size": 8})
    drawn = []
    original = scenes.random_material
    monkeypatch.setattr(scenes, "random_material",
                        lambda *a, **k: drawn.append(k["families"]) or original(*a, **k))
    example = source.sample(torch.Generator().manual_seed(0), 16)
    assert example.maps["albedo"].shape == (3, 16, 16)
    assert drawn and all("woven_fabric" not in f and "hammered_metal" not in f for f in drawn)
    spec = scenes.random_scene(3, environments=list(source.environments), families=list(source.families))
    assert spec.environment != "courtyard" and spec.extras["families"] == list(source.families)
    with pytest.raises(ValueError, match="Unknown material families"):
        make_source("generated_intrinsic", {"exclude_families": ["plastic_wrap"]})
