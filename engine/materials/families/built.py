"""Built and mineral surfaces: plaster, concrete, stone tiles, bricks, ceramic tiles, gravel, marble."""

from __future__ import annotations

import torch

from engine.materials.families.base import Context, Layer, blend, gaps, one, smoothstep, tint


def plaster(ctx: Context) -> Layer:
    base = ctx.colour(ctx.uniform(0.05, 0.15), ctx.uniform(0.03, 0.2), ctx.uniform(0.7, 0.9))
    trowel = smoothstep(-0.1, 0.4, ctx.fbm(ctx.uniform(3, 6), octaves=3))  # smooth trowelled patches
    bumps = ctx.fbm(ctx.uniform(6, 12), octaves=6, persistence=0.6)
    fine = ctx.fbm(48, octaves=3, persistence=0.6)
    stain = ctx.fbm(2, octaves=5)
    amplitude = ctx.uniform(0.004, 0.01)
    height = amplitude * bumps * (1 - 0.8 * trowel) + 0.5 * amplitude * trowel + 0.0006 * fine
    diffuse = tint(base, 0.5 * stain + 0.25 * fine + 0.3 * bumps * (1 - trowel), ctx.uniform(0.08, 0.2))
    rough = ctx.uniform(0.65, 0.9) - 0.25 * trowel + 0.05 * fine
    return Layer(diffuse, ctx.dielectric_f0(0.03, 0.045), one(rough), one(height))


def concrete(ctx: Context) -> Layer:
    base = ctx.colour(ctx.uniform(0.06, 0.14), ctx.uniform(0.0, 0.08), ctx.uniform(0.45, 0.68))
    stain = ctx.fbm(3, octaves=6, persistence=0.65)
    grain = ctx.fbm(64, octaves=3, persistence=0.7)
    aggregate = ctx.worley(ctx.uniform(30, 50))
    stones = smoothstep(0.55, 0.35, aggregate.f1) * (aggregate.cell_value < 0.35).to(ctx.dtype)
    pores = ctx.worley(ctx.uniform(60, 100))
    pore = (1 - smoothstep(0.08, 0.2, pores.f1)) * (pores.cell_value < ctx.uniform(0.15, 0.4)).to(ctx.dtype)
    height = 0.003 * ctx.fbm(6, octaves=6) + 0.0006 * grain - 0.002 * pore + 0.0008 * stones
    shade = 0.7 * stain + 0.4 * grain - 0.8 * pore + 0.4 * (aggregate.cell_value - 0.5) * stones
    diffuse = tint(base, shade, ctx.uniform(0.25, 0.4))
    rough = ctx.uniform(0.72, 0.92) + 0.05 * grain - 0.1 * stones
    return Layer(diffuse, ctx.dielectric_f0(0.03, 0.04), one(rough), one(height))


def stone_tiles(ctx: Context) -> Layer:
    cells = ctx.worley(ctx.uniform(3, 6), jitter=0.85)
    edge = cells.f2 - cells.f1
    joint = gaps(edge, ctx.uniform(0.03, 0.07), 0.04)
    hue = ctx.choice([0.08, 0.1, 0.6, 0.05])
    stone = ctx.colour(hue, ctx.uniform(0.05, 0.25), ctx.uniform(0.4, 0.7))
    stone2 = ctx.colour(hue + ctx.uniform(-0.04, 0.04), ctx.uniform(0.05, 0.3), ctx.uniform(0.3, 0.6))
    stone = blend(stone, stone2, (cells.cell_value * 13.7) % 1.0)
    grout = ctx.colour(0.1, 0.1, ctx.uniform(0.45, 0.65))
    per_cell = (cells.cell_value - 0.5) * 2
    mottle = ctx.fbm(10, octaves=5)
    stone_rgb = tint(stone, 0.35 * per_cell + 0.25 * mottle, ctx.uniform(0.4, 0.7))
    diffuse = blend(stone_rgb, tint(grout, ctx.fbm(30, 3), 0.1), joint)
    tilt = 0.004 * (cells.offset_x * (cells.cell_value - 0.5) + cells.offset_y * (0.5 - cells.cell_value))
    bevel = smoothstep(0.0, 0.12, edge)
    height = 0.012 * bevel + tilt + 0.0025 * mottle * bevel + 0.0005 * ctx.fbm(40, 3)
    rough = blend(ctx.constant(ctx.uniform(0.45, 0.75)) + 0.08 * one(mottle), ctx.constant(0.9), joint)
    return Layer(diffuse, ctx.dielectric_f0(0.035, 0.05), rough, one(height))


def bricks(ctx: Context) -> Layer:
    rows = 2 * ctx.randint(4, 8)
    cols = max(1, round(rows / ctx.uniform(2.6, 3.6)))
    u, v, index, dist = ctx.bond_layout(rows, cols, 0.5)
    per_brick = ctx.table(rows * cols)[index]
    per_brick2 = ctx.table(rows * cols)[index]
    mortar_width = ctx.uniform(0.08, 0.14) * (1.0 / rows)
    chips = smoothstep(0.35, 0.6, ctx.fbm(14, octaves=4))
    edge_noise = 0.004 * ctx.fbm(20, octaves=3)
    mortar = gaps(dist + edge_noise - 0.003 * chips, mortar_width, 0.15 * mortar_width)
    hue = ctx.uniform(0.0, 0.07)
    brick = ctx.colour(hue, ctx.uniform(0.45, 0.75), ctx.uniform(0.45, 0.7))
    dark = ctx.colour(hue + 0.02, 0.5, 0.25)
    speckle = ctx.fbm(60, octaves=3, persistence=0.7)
    brick_rgb = blend(brick, dark, (0.6 * per_brick2 ** 2).expand_as(u))
    brick_rgb = tint(brick_rgb, 0.4 * (per_brick - 0.5) + 0.3 * speckle + 0.2 * ctx.fbm(6, 4), 0.5)
    mortar_rgb = tint(ctx.colour(0.1, ctx.uniform(0.03, 0.15), ctx.uniform(0.55, 0.75)), ctx.fbm(40, 3), 0.15)
    diffuse = blend(brick_rgb, mortar_rgb, mortar)
    bevel = smoothstep(mortar_width, mortar_width * 2.5, dist)
    height = 0.012 * (1 - mortar) * (0.4 + 0.6 * bevel) + 0.001 * speckle - 0.004 * chips * (1 - mortar)
    rough = one(0.82 + 0.1 * speckle + 0.08 * mortar)
    return Layer(diffuse, ctx.dielectric_f0(0.03, 0.045), rough, one(height))


def ceramic_tiles(ctx: Context) -> Layer:
    n = ctx.randint(3, 8)
    offset = ctx.choice([0.0, 0.0, 0.5]) if n % 2 == 0 else 0.0
    u, v, index, dist = ctx.bond_layout(n, n, offset)
    grout_width = ctx.uniform(0.015, 0.03) * (2.0 / n)
    grout = gaps(dist, grout_width, 0.3 * grout_width)
    palette = [(0.0, 0.0, 0.92), (0.1, 0.15, 0.88), (0.58, 0.5, 0.6), (0.4, 0.45, 0.55),
               (0.05, 0.6, 0.6), (0.0, 0.0, 0.15), (0.95, 0.4, 0.7), (0.14, 0.5, 0.8)]
    h_, s_, v_ = ctx.choice(palette)
    tile = ctx.colour(h_ + ctx.uniform(-0.02, 0.02), s_, v_ * ctx.uniform(0.9, 1.0))
    per_tile = ctx.table(n * n)[index] - 0.5
    tile_rgb = tint(tile, 0.15 * per_tile + 0.05 * ctx.fbm(8, 4), 1.0)
    grout_rgb = tint(ctx.colour(0.1, 0.05, ctx.uniform(0.5, 0.85)), ctx.fbm(50, 3), 0.12)
    diffuse = blend(tile_rgb, grout_rgb, grout)
    bevel = smoothstep(grout_width, grout_width * 3.0, dist)
    wave = ctx.fbm(4, octaves=3)
    height = 0.006 * (1 - grout) * (0.5 + 0.5 * bevel) + 0.0008 * wave
    rough = blend(ctx.constant(ctx.uniform(0.04, 0.2)) + 0.02 * one(wave), ctx.constant(0.85), grout)
    return Layer(diffuse, blend(ctx.constant(ctx.uniform(0.04, 0.055), 3), ctx.constant(0.035, 3), grout),
                 rough, one(height))


def gravel(ctx: Context) -> Layer:
    per_side = ctx.uniform(10, 22)
    cells = ctx.worley(per_side, jitter=1.0)
    t = (2 * cells.f1 / (cells.f1 + cells.f2).clamp_min(1e-6)).clamp(0, 1)
    fill = ctx.uniform(0.75, 0.92)
    dome = torch.sqrt((1 - (t / fill).clamp(0, 1) ** 2).clamp_min(0))
    size = 0.6 + 0.8 * cells.cell_value
    hue = ctx.uniform(0.05, 0.12)
    light = ctx.colour(hue, ctx.uniform(0.05, 0.3), ctx.uniform(0.6, 0.85))
    dark = ctx.colour(hue + 0.03, ctx.uniform(0.1, 0.35), ctx.uniform(0.2, 0.35))
    odd = ctx.colour(hue + 0.02, ctx.uniform(0.25, 0.4), ctx.uniform(0.45, 0.6))
    pick = cells.cell_value
    stone_rgb = blend(blend(dark, light, pick), odd, ((pick * 7.3) % 1.0 > 0.75).to(ctx.dtype))
    stone_rgb = tint(stone_rgb, 0.25 * ctx.fbm(40, 3) + 0.15 * (dome - 0.5), 1.0)
    crevice = 1 - smoothstep(0.0, 0.25, dome)
    diffuse = blend(stone_rgb, ctx.colour(hue, 0.4, 0.1), 0.85 * crevice)
    height = 0.35 * (2.0 / per_side) * dome * size + 0.0008 * ctx.fbm(50, 3)
    rough = one(ctx.uniform(0.5, 0.75) + 0.15 * (cells.cell_value - 0.5) + 0.2 * crevice)
    return Layer(diffuse, ctx.dielectric_f0(0.035, 0.05), rough, one(height))


def marble(ctx: Context) -> Layer:
    y, x = ctx.grid()
    warp = ctx.fbm(2, octaves=5, persistence=0.45)
    k = ctx.randint(1, 2)
    phase = 2 * torch.pi * (k * x + ctx.randint(-1, 1) * y) + ctx.uniform(2.5, 4.5) * warp
    vein = (1 - torch.sin(phase).abs()) ** ctx.uniform(5, 10)
    minor = (1 - torch.sin(2 * phase + 3 * ctx.fbm(3, octaves=4, persistence=0.45)).abs()) ** 25
    cloud = ctx.fbm(3, octaves=6, persistence=0.6)
    fine = ctx.fbm(20, octaves=4)
    base = ctx.choice([(0.1, 0.03, 0.9), (0.0, 0.0, 0.22), (0.38, 0.3, 0.45), (0.07, 0.18, 0.85)])
    body = ctx.colour(base[0], base[1], base[2])
    vein_rgb = ctx.colour(base[0] + 0.02, 0.1, 0.35 if base[2] > 0.5 else 0.85)
    diffuse = tint(body, 0.5 * cloud + 0.1 * fine, 0.18)
    diffuse = blend(diffuse, vein_rgb, (0.85 * vein + 0.35 * minor).clamp(0, 1))
    height = 0.0003 * fine
    rough = one(ctx.uniform(0.05, 0.2) + 0.03 * fine)
    return Layer(diffuse, ctx.dielectric_f0(0.04, 0.05), rough, one(height))
