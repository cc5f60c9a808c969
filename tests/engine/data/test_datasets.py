"""Datasets: folder round trip, MatSynth and five-panel readers, generated sets, mixing, splits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.data import (
    FivePanelDataset,
    FolderDataset,
    GeneratedIntrinsicDataset,
    GeneratedSVBRDFDataset,
    MatSynthDataset,
    MixedDataset,
    collate,
    join_panels,
    split_indices,
    write_sample,
)
from engine.io.writers import write_image


def _svbrdf_sample(seed=0, size=8):
    g = torch.Generator().manual_seed(seed)
    n = torch.randn(3, size, size, generator=g) * 0.3
    n[2] = 1
    return {
        "name": f"s{seed}",
        "diffuse": torch.rand(3, size, size, generator=g),
        "specular": torch.rand(3, size, size, generator=g) * 0.1,
        "roughness": torch.rand(1, size, size, generator=g),
        "normals": n / n.norm(dim=0, keepdim=True),
    }


def test_folder_round_trip(tmp_path):
    sample = _svbrdf_sample()
    sample["depth"] = torch.rand(1, 8, 8)
    sample["mask"] = (torch.rand(1, 8, 8) > 0.5).float()
    write_sample(tmp_path / "a", sample, fmt="png16")
    write_sample(tmp_path / "b", _svbrdf_sample(1), fmt="png8")
    (tmp_path / "not_a_sample").mkdir()
    ds = FolderDataset(tmp_path)
    assert len(ds) == 2 and ds.names() == ["a", "b"]
    back = ds[0]
    assert set(back) == {"name", "diffuse", "specular", "roughness", "normals", "depth", "mask"}
    for key in ("diffuse", "specular", "roughness", "depth", "mask"):
        torch.testing.assert_close(back[key], sample[key], rtol=0, atol=2e-3, msg=key)
    assert float((back["normals"] * sample["normals"]).sum(0).min()) > 0.9999
    only = FolderDataset(tmp_path, components=["diffuse"], size=4)[1]
    assert set(only) == {"name", "diffuse"} and only["diffuse"].shape == (3, 4, 4)


def test_photo_png_is_read_as_srgb(tmp_path):
    image = torch.full((3, 4, 4), 0.2)
    write_sample(tmp_path / "p", {"image": image}, photo_png=True)
    assert (tmp_path / "p" / "image.png").exists()
    back = FolderDataset(tmp_path)[0]["image"]
    torch.testing.assert_close(back, image, rtol=0.02, atol=0.002)


def test_matsynth_reader(tmp_path):
    folder = tmp_path / "train" / "wood" / "oak_01"
    folder.mkdir(parents=True)
    base = np.full((6, 6, 3), 0.5, np.float32)
    write_image(folder / "basecolor.png", base, bit_depth=8)
    write_image(folder / "metallic.png", np.ones((6, 6, 1), np.float32), bit_depth=8)
    write_image(folder / "roughness.png", np.full((6, 6, 1), 0.25, np.float32), bit_depth=16)
    normal = np.zeros((6, 6, 3), np.float32)
    normal[..., 1], normal[..., 2] = 0.6, 0.8
    write_image(folder / "normal.png", (normal + 1) / 2, bit_depth=16)
    write_image(folder / "height.png", np.full((6, 6, 1), 0.3, np.float32), bit_depth=16)
    ds = MatSynthDataset(tmp_path)
    assert len(ds) == 1 and ds.names() == ["train/wood/oak_01"]
    s = ds[0]
    # a pure metal: no diffuse, F0 = base colour (linearised)
    assert float(s["diffuse"].abs().max()) < 1e-6
    torch.testing.assert_close(s["specular"], torch.full((3, 6, 6), (128 / 255) ** 2.2), rtol=0, atol=1e-4)
    torch.testing.assert_close(s["normals"][:, 0, 0], torch.tensor([0.0, 0.6, 0.8]), rtol=0, atol=1e-3)
    assert s["height"].shape == (1, 6, 6)
    dx = MatSynthDataset(tmp_path, normal_convention="directx")[0]
    assert float(dx["normals"][1, 0, 0]) < 0


def test_five_panel_reader_round_trip(tmp_path):
    sample = _svbrdf_sample(2, size=6)
    sample["image"] = torch.rand(3, 6, 6)
    strip = join_panels(sample)
    assert strip.shape == (6, 30, 3)
    write_image(tmp_path / "mat;0.png", strip, bit_depth=16)
    back = FivePanelDataset(tmp_path)[0]
    for key in ("image", "diffuse", "specular", "roughness"):
        torch.testing.assert_close(back[key], sample[key], rtol=0, atol=2e-3, msg=key)
    assert float((back["normals"] * sample["normals"]).sum(0).min()) > 0.9999
    write_image(tmp_path / "bad.png", np.zeros((4, 7, 3), np.float32), bit_depth=8)
    with pytest.raises(ValueError, match="multiple of 5"):
        FivePanelDataset(tmp_path)[0]


def test_generated_datasets_are_deterministic():
    ds = GeneratedSVBRDFDataset(4, resolution=16, seed=3)
    a, b = ds[2], ds[2]
    assert a["name"] == b["name"]
    for key in ("image", "halfway", "diffuse", "normals"):
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert not torch.equal(ds[1]["diffuse"], a["diffuse"])
    assert a["image"].shape == (3, 16, 16) and a["roughness"].shape == (1, 16, 16)
    with pytest.raises(IndexError):
        ds[4]
    scene = GeneratedIntrinsicDataset(1, resolution=12, texture_size=8)[0]
    assert {"image", "albedo", "diffuseshading", "residual", "normals", "depth"} <= set(scene)


class _Const(torch.utils.data.Dataset):
    def __init__(self, components, n=3):
        self.components, self.n = components, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"name": str(i), **{c: torch.full((3, 2, 2), float(i)) for c in self.components}}


def test_mixing_follows_weights_and_keeps_each_samples_components():
    a, b = _Const(["albedo", "diffuseshading"]), _Const(["diffuse", "specular"])
    mixed = MixedDataset([a, b], weights=[3, 1], length=400, seed=1, names=["intr", "svbrdf"])
    picks = [mixed.pick(i)[0] for i in range(400)]
    share = picks.count(0) / 400
    assert 0.68 < share < 0.82
    assert [mixed.pick(i) for i in range(20)] == [mixed.pick(i) for i in range(20)]
    s0 = next(mixed[i] for i in range(400) if picks[i] == 0)
    assert set(s0) == {"name", "albedo", "diffuseshading"} and s0["name"].startswith("intr/")
    batch = collate([mixed[i] for i in range(8)])
    assert batch["components"] == ["albedo", "diffuse", "diffuseshading", "specular"]
    assert batch["present"].shape == (8, 4)
    for i in range(8):
        row = batch["present"][i].tolist()
        assert row in ([True, False, True, False], [False, True, False, True])
    with pytest.raises(ValueError, match="weight"):
        MixedDataset([a, b], weights=[1])


def test_splits_are_deterministic_and_stable():
    names = [f"m{i}" for i in range(300)]
    split = split_indices(names, {"train": 0.8, "val": 0.2}, seed=0)
    assert sorted(split["train"] + split["val"]) == list(range(300))
    assert 0.7 < len(split["train"]) / 300 < 0.9
    again = split_indices(names + [f"new{i}" for i in range(50)], {"train": 0.8, "val": 0.2}, seed=0)
    assert set(split["val"]) <= set(again["val"])  # adding samples never moves old ones
    assert split_indices(names, {"train": 0.8, "val": 0.2}, seed=1) != split
