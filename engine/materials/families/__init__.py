"""Procedural material families: name -> recipe ``fn(Context) -> Layer``."""

from __future__ import annotations

from collections.abc import Callable

from engine.materials.families.base import Context, Layer, mix_layers
from engine.materials.families.built import (
    bricks,
    ceramic_tiles,
    concrete,
    gravel,
    marble,
    plaster,
    stone_tiles,
)
from engine.materials.families.metals import brushed_metal, hammered_metal, rusted_metal
from engine.materials.families.organic import leather, paper, plastic, wood_planks, woven_fabric

RECIPES: dict[str, Callable[[Context], Layer]] = {
    "plaster": plaster,
    "concrete": concrete,
    "stone_tiles": stone_tiles,
    "bricks": bricks,
    "ceramic_tiles": ceramic_tiles,
    "gravel": gravel,
    "marble": marble,
    "wood_planks": wood_planks,
    "woven_fabric": woven_fabric,
    "leather": leather,
    "paper": paper,
    "plastic": plastic,
    "brushed_metal": brushed_metal,
    "hammered_metal": hammered_metal,
    "rusted_metal": rusted_metal,
}

METALLIC = frozenset({"brushed_metal", "hammered_metal", "rusted_metal"})

__all__ = ["RECIPES", "METALLIC", "Context", "Layer", "mix_layers"]
