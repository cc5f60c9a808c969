"""Organic and soft surfaces: wood planks, woven fabric, leather, paper, plastic."""

from __future__ import annotations

import torch

from engine.materials.families.base import Context, Layer, blend, gaps, one, smoothstep, tint


def wood_planks(ctx: Context) -> Layer:
    rows = ctx.randint(3, 7)
    per_row = ctx.randint(1, 2)
    y, x = ctx.grid()
    ty = y * rows
    row = torch.floor(ty)
    offsets = ctx.table(rows)
    tx = x * per_row + offsets[row.long() % rows]
    col = torch.floor(tx)
    index = (row.long() % rows) * per_row + (col.long() % per_row)
    plank_rand = ctx.table(rows * per_row, 3)[index]
    v = ty - row
    u = tx - col
    dist = torch.minimum(torch.minimum(v, 1 - v) * (2.0 / rows), torch.minimum(u, 1 - u) * (2.0 / per_row))
    gap = gaps(dist, ctx.uniform(0.0015, 0.004), 0.002)
    warp = ctx.fbm(3, octaves=5, aspect=8.0)
    freq = 3 + 6 * plank_rand[..., 0]
    rings = torch.sin(2 * torch.pi * (v * freq + 2.0 * warp + 7 * plank_rand[..., 1])) * 0.5 + 0.5
    rings = rings ** ctx.uniform(3.0, 6.0)
    fibres = ctx.fbm(60, octaves=3, aspect=40.0)
    species = ctx.choice([(0.08, 0.45, 0.75), (0.06, 0.55, 0.45), (0.09, 0.35, 0.85), (0.05, 0.6, 0.6)])
    light = ctx.colour(species[0], species[1], species[2])
    dark = ctx.colour(species[0] - 0.01, min(1.0, species[1] + 0.1), species[2] * 0.72)
    wood = blend(light, dark, 0.8 * rings)
    wood = tint(wood, 0.35 * (plank_rand[..., 2] - 0.5) + 0.3 * fibres, 0.7)
    diffuse = blend(wood, ctx.colour(0.07, 0.5, 0.12), gap)
    varnish = ctx.uniform(0.0, 1.0) < 0.5
    base_rough = ctx.uniform(0.25, 0.45) if varnish else ctx.uniform(0.5, 0.75)
    height = -0.005 * gap + 0.0004 * rings + 0.0003 * fibres + 0.001 * (plank_rand[..., 2] - 0.5)
    rough = one(base_rough + 0.06 * rings + 0.04 * fibres + 0.3 * gap)
    return Layer(diffuse, ctx.dielectric_f0(0.035, 0.05), rough, one(height))


def woven_fabric(ctx: Context) -> Layer:
    n = 6 * ctx.randint(2, 6)
    twill = ctx.uniform() < 0.5
    y, x = ctx.grid()
    tx, ty = x * n, y * n
    ci, cj = torch.floor(tx), torch.floor(ty)
    u, v = tx - ci, ty - cj
    if twill:
        warp_top = ((ci.long() + cj.long()) % 3) != 0
    else:
        warp_top = ((ci.long() + cj.long()) % 2) == 0
    width = ctx.uniform(0.75, 0.95)

    def profile(t: torch.Tensor) -> torch.Tensor:
        s = ((2 * t - 1) / width).clamp(-1, 1)
        return torch.sqrt((1 - s * s).clamp_min(0))

    warp_h = profile(u) * torch.where(warp_top, 0.65 + 0.35 * torch.sin(torch.pi * v), 0.35 + 0 * v)
    weft_h = profile(v) * torch.where(~warp_top, 0.65 + 0.35 * torch.sin(torch.pi * u), 0.35 + 0 * u)
    on_warp = warp_h >= weft_h
    thread_h = torch.maximum(warp_h, weft_h)
    fibre_x = ctx.fbm(n * 2, octaves=3, aspect=0.1)
    fibre_y = ctx.fbm(n * 2, octaves=3, aspect=10.0)
    fibre = torch.where(on_warp, fibre_x, fibre_y)
    hue = ctx.uniform()
    warp_rgb = ctx.colour(hue, ctx.uniform(0.1, 0.7), ctx.uniform(0.3, 0.85))
    same = ctx.uniform() < 0.6
    weft_rgb = warp_rgb if same else ctx.colour(hue + ctx.uniform(-0.15, 0.15), ctx.uniform(0.0, 0.6),
                                                ctx.uniform(0.3, 0.9))
    colour = blend(weft_rgb, warp_rgb, on_warp.to(ctx.dtype))
    shade = 0.35 * fibre + 0.25 * (thread_h - 0.6) + 0.15 * ctx.fbm(3, 4)
    diffuse = tint(colour, shade, 1.0)
    height = (2.0 / n) * 0.25 * thread_h + 0.0003 * fibre
    rough = one(ctx.uniform(0.75, 0.95) + 0.04 * fibre)
    return Layer(diffuse, ctx.dielectric_f0(0.03, 0.045), rough, one(height))


def leather(ctx: Context) -> Layer:
    per_side = ctx.uniform(15, 35)
    cells = ctx.worley(per_side, jitter=0.9)
    crease = 1 - smoothstep(0.0, ctx.uniform(0.08, 0.2), cells.f2 - cells.f1)
    bump = torch.sqrt((1 - (cells.f1 / 0.9).clamp(0, 1) ** 2).clamp_min(0))
    wrinkles = (1 - ctx.fbm(3, octaves=4).abs()) ** 6
    hue = ctx.choice([0.06, 0.07, 0.08, 0.0, 0.6])
    base = ctx.colour(hue, ctx.uniform(0.3, 0.75), ctx.uniform(0.12, 0.55))
    diffuse = tint(base, -0.5 * crease + 0.3 * ctx.fbm(4, 5) - 0.3 * wrinkles, 0.7)
    size = 2.0 / per_side
    height = size * (0.12 * bump - 0.1 * crease) - 0.003 * wrinkles + 0.0002 * ctx.fbm(80, 2)
    rough = one(ctx.uniform(0.35, 0.6) + 0.15 * crease - 0.05 * bump)
    return Layer(diffuse, ctx.dielectric_f0(0.035, 0.05), rough, one(height))


def paper(ctx: Context) -> Layer:
    base = ctx.colour(ctx.uniform(0.08, 0.14), ctx.uniform(0.02, 0.2), ctx.uniform(0.78, 0.95))
    fibres = ctx.fbm(70, octaves=3, persistence=0.7, aspect=ctx.uniform(0.3, 3.0))
    crumple = 1 - ctx.fbm(ctx.uniform(2, 5), octaves=4).abs()
    folds = crumple ** 3
    diffuse = tint(base, 0.25 * fibres + 0.2 * ctx.fbm(2, 3), 0.12)
    height = 0.006 * folds * ctx.uniform(0.0, 1.0) + 0.0003 * fibres
    rough = one(ctx.uniform(0.75, 0.95) + 0.03 * fibres)
    return Layer(diffuse, ctx.dielectric_f0(0.03, 0.04), rough, one(height))


def plastic(ctx: Context) -> Layer:
    base = ctx.colour(ctx.uniform(), ctx.uniform(0.4, 0.95), ctx.uniform(0.3, 0.9))
    texture = ctx.choice(["smooth", "grain", "scratched"])
    fine = ctx.fbm(8, 4)
    height = 0.0003 * fine
    rough = ctx.constant(ctx.uniform(0.15, 0.5)) + 0.03 * one(fine)
    if texture == "grain":
        grain = ctx.worley(ctx.uniform(80, 160))
        height = height + (2.0 / 120) * 0.08 * (1 - grain.f1.clamp(0, 1))
        rough = rough + 0.15
    elif texture == "scratched":
        streaks = (1 - ctx.fbm(ctx.uniform(6, 12), octaves=3, aspect=40.0).abs()) ** 40
        rough = rough + 0.3 * one(streaks)
        height = height - 0.0005 * streaks
    diffuse = tint(base, 0.04 * fine, 1.0)
    return Layer(diffuse, ctx.dielectric_f0(0.04, 0.05), rough, one(height))


