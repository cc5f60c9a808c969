"""Metals: brushed, rusted, hammered. Coloured F0, near-zero diffuse."""

from __future__ import annotations

import torch

from engine.materials.families.base import Context, Layer, mix_layers, one, smoothstep, tint

# Linear F0 of common metals (approximate measured values).
METAL_F0 = {
    "steel": (0.56, 0.57, 0.58),
    "aluminium": (0.91, 0.92, 0.92),
    "copper": (0.95, 0.64, 0.54),
    "gold": (1.0, 0.71, 0.29),
    "brass": (0.91, 0.78, 0.42),
    "titanium": (0.54, 0.50, 0.45),
    "iron": (0.53, 0.51, 0.49),
}


def _metal(ctx: Context, names: list[str]) -> torch.Tensor:
    f0 = torch.tensor(METAL_F0[ctx.choice(names)], device=ctx.device, dtype=ctx.dtype).view(3, 1, 1)
    return f0 * ctx.uniform(0.9, 1.0)


def brushed_metal(ctx: Context) -> Layer:
    f0 = _metal(ctx, ["steel", "aluminium", "copper", "brass", "titanium", "gold"])
    streaks = ctx.fbm(ctx.uniform(30, 60), octaves=4, persistence=0.7, aspect=60.0)
    smudge = ctx.fbm(2, octaves=4)
    specular = tint(f0, 0.08 * streaks + 0.05 * smudge, 1.0)
    diffuse = ctx.constant(ctx.uniform(0.0, 0.02), 3)
    rough = one(ctx.uniform(0.22, 0.42) + 0.06 * streaks + 0.05 * smudge)
    height = one(0.0002 * streaks)
    return Layer(diffuse, specular, rough, height)


def hammered_metal(ctx: Context) -> Layer:
    per_side = ctx.uniform(8, 18)
    cells = ctx.worley(per_side, jitter=0.9)
    dimple = cells.f1.clamp(0, 1.2) ** 2
    f0 = _metal(ctx, ["steel", "copper", "brass", "iron", "aluminium"])
    tarnish = ctx.fbm(4, 5)
    specular = tint(f0, 0.1 * tarnish - 0.05 * (cells.cell_value - 0.5), 1.0)
    diffuse = ctx.constant(ctx.uniform(0.0, 0.02), 3)
    rough = one(ctx.uniform(0.12, 0.3) + 0.05 * tarnish + 0.04 * cells.cell_value)
    height = one((2.0 / per_side) * ctx.uniform(0.06, 0.12) * dimple + 0.0002 * ctx.fbm(60, 2))
    return Layer(diffuse, specular, rough, height)


def rusted_metal(ctx: Context) -> Layer:
    f0 = _metal(ctx, ["steel", "iron"])
    scratches = ctx.fbm(20, octaves=3, aspect=30.0)
    metal = Layer(
        ctx.constant(0.01, 3),
        tint(f0, 0.05 * scratches, 1.0),
        one(ctx.uniform(0.3, 0.5) + 0.05 * scratches),
        one(0.0002 * scratches),
    )
    grain = ctx.fbm(60, octaves=3, persistence=0.7)
    mid = ctx.fbm(12, octaves=4, persistence=0.6)
    blotch = ctx.fbm(ctx.uniform(2, 5), octaves=5, persistence=0.5)
    amount = ctx.uniform(-0.3, 0.4)
    mask = smoothstep(amount - 0.08, amount + 0.15, blotch + 0.25 * mid + 0.05 * grain)
    rust_dark = ctx.colour(ctx.uniform(0.02, 0.05), ctx.uniform(0.6, 0.85), ctx.uniform(0.15, 0.3))
    rust_light = ctx.colour(ctx.uniform(0.05, 0.08), ctx.uniform(0.6, 0.85), ctx.uniform(0.45, 0.65))
    shade = smoothstep(-0.5, 0.6, 0.8 * mid + 0.6 * (blotch - amount) + 0.25 * grain)
    rust_rgb = rust_dark + (rust_light - rust_dark) * shade.unsqueeze(0)
    rust = Layer(
        rust_rgb,
        ctx.constant(0.04, 3),
        one(ctx.uniform(0.8, 0.95) + 0.05 * grain),
        one(0.0015 + 0.0008 * grain + 0.0008 * mid + 0.002 * (blotch - amount).clamp_min(0)),
    )
    return mix_layers(metal, rust, mask)
