"""A small seeded material with every kind of map, shared by the export tests."""

from __future__ import annotations

import numpy as np
import pytest

from engine.materials.conversions import normals_from_height


def make_material(h: int = 12, w: int = 16, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    height = (1.5 * np.sin(2 * np.pi * cols / w) + np.cos(2 * np.pi * rows / h))[:, :, None]
    metal = (cols >= w // 2)[:, :, None].astype(np.float32)  # right half metal, left dielectric
    colour = 0.1 + 0.8 * rng.random((h, w, 3), dtype=np.float32)
    return {
        "diffuse": colour * (1 - metal),
        "specular": 0.04 + (colour - 0.04) * metal,
        "roughness": rng.random((h, w, 1), dtype=np.float32),
        "normals": normals_from_height(height.astype(np.float32)),
    }


def make_intrinsic(h: int = 12, w: int = 16, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "albedo": rng.random((h, w, 3), dtype=np.float32),
        "diffuseshading": 3.0 * rng.random((h, w, 3), dtype=np.float32),
        "residual": 0.5 * rng.random((h, w, 3), dtype=np.float32),
        "depth": 1.0 + rng.random((h, w, 1), dtype=np.float32),
        "normals": make_material(h, w)["normals"],
    }


@pytest.fixture
def material() -> dict[str, np.ndarray]:
    return make_material()


@pytest.fixture
def intrinsic() -> dict[str, np.ndarray]:
    return make_intrinsic()
