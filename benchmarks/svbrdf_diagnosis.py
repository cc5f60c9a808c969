"""Where the SVBRDF model's error comes from: each map replaced by its truth, or fixed in scale.

    .venv/bin/python benchmarks/svbrdf_diagnosis.py --model assets/models/svbrdf --cases 16 --size 64

Samples the model once per held-out flash photo (benchmarks/eval/heldout.py) and scores the
prediction as it is and with one thing corrected by an oracle: the diffuse map's per-channel scale
(least squares against the truth: exposure makes the absolute albedo ambiguous in a single photo),
the true normals, the true roughness. How far each oracle lowers the re-render error says what a
better model must get right first. Also reports the spread of the predicted roughness against the
truth's (a model that has not learnt roughness predicts one value everywhere), and how closely the
predicted normals' slopes follow the true ones (correlation, spread). Writes JSON
(``--out``) and the ``diagnosis`` block of ``--markdown``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import Tensor  # noqa: E402

from benchmarks.eval.evaluate import evaluate_svbrdf  # noqa: E402
from benchmarks.eval.heldout import svbrdf_cases  # noqa: E402
from benchmarks.eval.predictors import BaselinePredictor, load_predictor  # noqa: E402
from benchmarks.eval.report import replace_block  # noqa: E402
from engine.materials.metrics import scale_to  # noqa: E402

Maps = dict[str, Tensor]


def oracle_diffuse_scale(pred: Maps, truth: Maps) -> Maps:
    return {**pred, "diffuse": scale_to(pred["diffuse"], truth["diffuse"]).clamp(0.0, 1.0)}


def oracle_map(name: str) -> Callable[[Maps, Maps], Maps]:
    return lambda pred, truth: {**pred, name: truth[name]}


ORACLES: dict[str, Callable[[Maps, Maps], Maps]] = {
    "diffuse scale from the truth": oracle_diffuse_scale,
    "true normals": oracle_map("normals"),
    "true roughness": oracle_map("roughness"),
}


@dataclass
class CachedModel:
    """Samples the model once per photo; every oracle variant reuses that sample."""

    inner: object
    name: str = "model"
    info: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)

    def svbrdf(self, image: Tensor, halfway: Tensor, fov_degrees: float) -> Maps:
        key = id(image)
        if key not in self.memo:
            self.memo[key] = self.inner.svbrdf(image, halfway, fov_degrees)
        return self.memo[key]


@dataclass
class OracleVariant:
    model: CachedModel
    name: str
    fix: Callable[[Maps, Maps], Maps]
    truths: dict[int, Maps]
    info: dict = field(default_factory=dict)

    def svbrdf(self, image: Tensor, halfway: Tensor, fov_degrees: float) -> Maps:
        return self.fix(self.model.svbrdf(image, halfway, fov_degrees), self.truths[id(image)])


def roughness_spread(model: CachedModel, cases) -> tuple[float, float]:
    """Standard deviation across photos of the mean roughness: predicted, true."""
    predicted = torch.stack([model.svbrdf(c.image, c.halfway, c.fov_degrees)["roughness"].mean()
                             for c in cases])
    true = torch.stack([c.maps["roughness"].mean() for c in cases])
    return float(predicted.std()), float(true.std())


def slope_correlation(pred: Tensor, truth: Tensor) -> float:
    """Pearson correlation of the normals' x and y components (the slopes) of one photo."""
    pairs = torch.stack([pred[:, :2].flatten(), truth[:, :2].flatten()])
    return float(torch.corrcoef(pairs)[0, 1].nan_to_num(0.0))


def normals_agreement(model: CachedModel, cases) -> dict[str, float]:
    """How much of the true relief the predicted normals follow: mean per-photo slope correlation
    (0: unrelated, 1: the same up to scale) and the slopes' spread, predicted and true."""
    predicted = [model.svbrdf(c.image, c.halfway, c.fov_degrees)["normals"] for c in cases]
    true = [c.maps["normals"] for c in cases]
    return {
        "slope_correlation": sum(map(slope_correlation, predicted, true)) / len(cases),
        "slope_std_predicted": float(torch.stack([p[:, :2].std() for p in predicted]).mean()),
        "slope_std_true": float(torch.stack([t[:, :2].std() for t in true]).mean()),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "assets" / "models" / "svbrdf"), help="a model / run folder")
    p.add_argument("--cases", type=int, default=16)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=None, help="default: the model's default")
    p.add_argument("--samples", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "svbrdf_diagnosis.json")
    p.add_argument("--markdown", type=Path, default=ROOT / "docs" / "quality.md")
    args = p.parse_args(argv)
    cases = svbrdf_cases(args.cases, args.size)
    model = CachedModel(load_predictor(args.model, "svbrdf", args.steps, args.samples, 0, args.device))
    truths = {id(c.image): c.maps for c in cases}
    predictors = [BaselinePredictor(), model,
                  *(OracleVariant(model, f"model, {label}", fix, truths) for label, fix in ORACLES.items())]
    section = evaluate_svbrdf(predictors, cases)
    spread = roughness_spread(model, cases)
    section["roughness_spread"] = {"predicted": spread[0], "true": spread[1]}
    normals = section["normals_agreement"] = normals_agreement(model, cases)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(section, indent=1))
    given = argv if argv is not None else sys.argv[1:]
    lines = [f"Error sources of `{Path(args.model).name}` on {args.cases} held-out flash photos at "
             f"{args.size}x{args.size} ({datetime.date.today().isoformat()}): the model's sample scored as "
             "it is and with one part replaced by an oracle.", "",
             "| prediction | diffuse RMSE | roughness RMSE | normals (deg) | re-render RMSE |",
             "|---|---|---|---|---|"]
    for name, result in section["predictors"].items():
        mean = result["mean"]
        lines.append(f"| {name} | {mean['diffuse_rmse']:.4f} | {mean['roughness_rmse']:.4f} | "
                     f"{mean['normals_degrees']:.2f} | {mean['rerender_rmse']:.4f} |")
    lines += ["", f"Spread (std across photos) of the mean roughness: predicted {spread[0]:.3f}, "
              f"true {spread[1]:.3f}.",
              f"Normals: correlation of predicted and true slopes (x, y components, mean per photo) "
              f"{normals['slope_correlation']:.2f}; slope std predicted "
              f"{normals['slope_std_predicted']:.3f}, "
              f"true {normals['slope_std_true']:.3f}.", "",
              f"Reproduce: `{('python benchmarks/svbrdf_diagnosis.py ' + shlex.join(given)).strip()}`"]
    replace_block(args.markdown, "diagnosis", "\n".join(lines))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
