"""Joint material inpainting and Make tileable against OpenCV Telea (issue 12), on held-out materials.

    .venv/bin/python benchmarks/inpainting.py                          # embedded model (if shipped) + Telea
    .venv/bin/python benchmarks/inpainting.py --model training/embedded_inpaint/model --cases 6 --steps 10

Cases: held-out flash photos and maps (benchmarks/eval/heldout.py: new seeds, half of them from the
families excluded from training). Inpainting: a free-form hole per case (engine.data.masks, seeded
apart from training); error inside the hole against the truth: RMSE of the photo, diffuse, specular
and roughness, and the normals' angular error. Make tileable: each material is cut out of a larger
one so it does not tile; the seam ratio is (mean step across the wrap seams) / (mean step between
interior neighbours), averaged over the maps — about 1 means seamless, the cut-out's own ratio is
the "before" row. Writes JSON (``--out``) and the ``inpainting`` block of ``--markdown``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks.eval.heldout import HELD_OUT_SEED_BASE, PHOTO_SEED_OFFSET, case_family  # noqa: E402
from benchmarks.eval.report import replace_block  # noqa: E402

log = logging.getLogger("inpainting")
MAPS = ("image", "diffuse", "specular", "roughness", "normals")
MASK_SEED = 31_337


def material_case(index: int, size: int, cut_out: bool) -> dict[str, np.ndarray]:
    """A held-out photo and its maps as engine maps HxWxC; ``cut_out``: a crop of a 1.5x larger one."""
    from engine.materials import generate_material
    from engine.materials.photo import PhotoSettings, simulate_flash_photo
    from engine.pipelines.train_data import normalize_exposure

    family, _ = case_family(index)
    seed = HELD_OUT_SEED_BASE + 500 + index
    full = size * 3 // 2 if cut_out else size
    material = generate_material(family, full, seed)
    offset = (full - size) // 2
    maps = {k: material[k].float()[..., offset:offset + size, offset:offset + size]
            for k in ("diffuse", "specular", "roughness", "normals")}
    settings = PhotoSettings(fov_range=(50, 50))
    photo = simulate_flash_photo(maps, seed=seed + PHOTO_SEED_OFFSET, settings=settings)
    maps["image"] = normalize_exposure(photo.image.float())
    return {k: v[0].permute(1, 2, 0).numpy().astype(np.float32) for k, v in maps.items()}


def hole_errors(result: dict[str, np.ndarray], truth: dict[str, np.ndarray], hole: np.ndarray) -> dict:
    inside = hole > 0.5
    out = {}
    for name in MAPS:
        if name == "normals":
            cos = np.clip((result[name] * truth[name]).sum(-1), -1, 1)
            out["normals_degrees"] = float(np.degrees(np.arccos(cos))[inside].mean())
        else:
            out[f"{name}_rmse"] = float(np.sqrt(((result[name] - truth[name])[inside] ** 2).mean()))
    return out


def seam_ratio(maps: dict[str, np.ndarray]) -> float:
    from engine.pipelines.inpaint import seam_steps

    ratios = []
    for x in maps.values():
        wrap, interior = seam_steps(x)
        ratios.append(wrap / max(interior, 1e-9))
    return float(np.mean(ratios))


def band_detail(maps: dict[str, np.ndarray], band: int) -> float:
    """Mean neighbour step inside the repaired band / outside it, averaged over maps (1 = as detailed;
    well below 1 = a blurred band, which the seam ratio alone would reward)."""
    h, w = next(iter(maps.values())).shape[:2]
    half = band // 2
    region = np.zeros((h, w), bool)
    region[:half], region[h - half:], region[:, :half], region[:, w - half:] = True, True, True, True
    ratios = []
    for x in maps.values():
        dy = np.abs(np.diff(x, axis=0)).mean(-1)
        dx = np.abs(np.diff(x, axis=1)).mean(-1)
        in_y, in_x = region[1:] & region[:-1], region[:, 1:] & region[:, :-1]
        inside = np.concatenate([dy[in_y], dx[in_x]]).mean()
        outside = np.concatenate([dy[~in_y], dx[~in_x]]).mean()
        if outside > 1e-6:  # a constant map has no detail to keep
            ratios.append(inside / outside)
    return float(np.mean(ratios)) if ratios else 1.0


def _mean(rows: list[dict]) -> dict:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]} if rows else {}


def evaluate(method: str, options, cases: int, size: int) -> dict:
    from engine.data.masks import random_hole_mask
    from engine.pipelines.estimate import ModelCache
    from engine.pipelines.inpaint import inpaint, make_tileable

    cache = ModelCache()
    errors, ratios, seconds = [], [], []
    for i in range(cases):
        truth = material_case(i, size, cut_out=False)
        hole = random_hole_mask(torch.Generator().manual_seed(MASK_SEED + i), size, (0.1, 0.3))[0].numpy()
        damaged = {k: np.where(hole[..., None] > 0.5, 0.5, v).astype(np.float32) for k, v in truth.items()}
        started = time.perf_counter()
        result = inpaint(damaged, hole, options, cache=cache)
        seconds.append(time.perf_counter() - started)
        errors.append(hole_errors(result.maps, truth, hole))
        cut = material_case(i, size, cut_out=True)
        tiled = make_tileable(cut, options, cache=cache).maps
        band = options.band or max(8, size // 8)
        ratios.append({"before": seam_ratio(cut), "after": seam_ratio(tiled),
                       "band_detail": band_detail(tiled, band)})
        log.info("%s case %d: %s tile %s", method, i, errors[-1], ratios[-1])
    return {"inpaint": _mean(errors), "tile": _mean(ratios), "seconds_per_inpaint": float(np.mean(seconds))}


def markdown(results: dict, command: str) -> str:
    names = [("image_rmse", "photo RMSE", 4), ("diffuse_rmse", "diffuse RMSE", 4),
             ("specular_rmse", "specular RMSE", 4), ("roughness_rmse", "roughness RMSE", 4),
             ("normals_degrees", "normals (deg)", 2)]
    lines = [f"Held-out materials, {results['cases']} cases at {results['size']}x{results['size']} px, "
             f"{results['steps']} steps; {results['date']}.", "",
             "### Inpainting (error inside the hole; lower is better)", "",
             "| method | " + " | ".join(n[1] for n in names) + " | s / inpaint |",
             "|---" * (len(names) + 2) + "|"]
    for method, r in results["methods"].items():
        cells = [f"{r['inpaint'][k]:.{d}f}" for k, _, d in names]
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {r['seconds_per_inpaint']:.1f} |")
    lines += ["", "### Make tileable", "",
              "Seam ratio: mean step across the wrap seams / mean step between interior neighbours,",
              "averaged over the photo and maps (about 1 = seamless; far below 1 = a flat seam). Band",
              "detail: mean step inside the repaired band / outside it (1 = as detailed as the rest; low =",
              "blurred).", "",
              "| method | seam ratio before | seam ratio after | band detail |", "|---|---|---|---|"]
    for method, r in results["methods"].items():
        t = r["tile"]
        lines.append(f"| {method} | {t['before']:.2f} | {t['after']:.2f} | {t['band_detail']:.2f} |")
    lines += ["", f"Reproduce: `{command}`"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from engine.pipelines.estimate import embedded_model_available
    from engine.pipelines.inpaint import InpaintOptions

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", metavar="embedded|FOLDER|FILE",
                   help="Teamwork inpainting model(s) (default: embedded when shipped)")
    p.add_argument("--cases", type=int, default=6)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "inpainting.json")
    p.add_argument("--markdown", type=Path, default=ROOT / "docs" / "inpainting.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.manual_seed(0)
    models = args.model or (["embedded"] if embedded_model_available("inpaint") else [])
    methods = {"OpenCV Telea": InpaintOptions(model="telea")}
    for spec in models:
        path = Path(spec)
        model = str(path / "adapter.safetensors") if path.is_dir() else spec
        label = "Teamwork (embedded)" if spec == "embedded" else f"Teamwork ({spec})"
        methods[label] = InpaintOptions(model=model, steps=args.steps, device=args.device)
    results = {"cases": args.cases, "size": args.size, "steps": args.steps,
               "date": datetime.date.today().isoformat(), "methods": {}}
    for label, options in methods.items():
        results["methods"][label] = evaluate(label, options, args.cases, args.size)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    command = "python benchmarks/inpainting.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    replace_block(args.markdown, "inpainting", markdown(results, command.strip()),
                  title="# Joint inpainting and Make tileable")
    sys.stdout.write(markdown(results, command) + "\n")
    values = [v for r in results["methods"].values() for v in r["inpaint"].values()]
    return 0 if all(math.isfinite(v) for v in values) else 1


if __name__ == "__main__":
    sys.exit(main())
