"""Augmentation keeps vector maps consistent: rendering commutes with rotations and flips."""

from __future__ import annotations

import pytest
import torch

from engine.data import SimulatedPhotoDataset, random_crop, rotate_flip
from engine.materials import generate_material, halfway_map, render_flash


def _sample(size=12):
    maps = generate_material("stone_tiles", size, 4)
    return {"name": "m", **{k: v[0] for k, v in maps.items() if k != "height"}}


@pytest.mark.parametrize("turns,flip", [(1, False), (2, False), (3, True), (0, True)])
def test_render_of_transformed_maps_is_the_transformed_render(turns, flip):
    sample = _sample()
    moved = rotate_flip(sample, turns, flip)
    render_moved = render_flash({k: v.unsqueeze(0) for k, v in moved.items() if k != "name"}, 50.0)
    image = {"name": "i", "image": render_flash({k: v.unsqueeze(0) for k, v in sample.items()
                                                 if k != "name"}, 50.0)[0]}
    expected = rotate_flip(image, turns, flip)["image"]
    torch.testing.assert_close(render_moved[0], expected, rtol=1e-4, atol=1e-5)


def test_halfway_map_is_invariant_under_the_moves():
    h = {"name": "h", "halfway": halfway_map(10, 10, 45.0)}
    for turns, flip in [(1, False), (3, True)]:
        torch.testing.assert_close(rotate_flip(h, turns, flip)["halfway"], h["halfway"], rtol=1e-5, atol=1e-6)


def test_wrong_vector_handling_would_be_caught():
    sample = _sample()
    moved = rotate_flip(sample, 1)
    naive = torch.rot90(sample["normals"], 1, dims=(1, 2))  # rotating pixels without the vectors
    assert not torch.allclose(moved["normals"], naive)


def test_random_crop_and_simulated_photo_dataset():
    g = torch.Generator().manual_seed(0)
    crop = random_crop(_sample(16), 8, g)
    assert crop["diffuse"].shape == (3, 8, 8) and crop["roughness"].shape == (1, 8, 8)
    with pytest.raises(ValueError, match="Cannot crop"):
        random_crop(_sample(8), 9, g)

    class Maps(torch.utils.data.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return _sample(16)

    ds = SimulatedPhotoDataset(Maps(), resolution=8, seed=2, crop=12)
    a, b = ds[1], ds[1]
    assert set(a) >= {"image", "halfway", "diffuse", "normals"} and a["image"].shape == (3, 8, 8)
    torch.testing.assert_close(a["image"], b["image"], rtol=0, atol=0)
    assert not torch.equal(ds[0]["image"], a["image"])
