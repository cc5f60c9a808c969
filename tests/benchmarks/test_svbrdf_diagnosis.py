import json

import torch

from benchmarks import svbrdf_diagnosis
from tests.engine.pipelines.helpers import export_tiny_svbrdf_model


def test_oracles_replace_exactly_their_part_of_the_prediction(tmp_path):
    folder = export_tiny_svbrdf_model(tmp_path / "model")
    (folder / "model.json").write_text(json.dumps({"method": "teamwork", "task": "svbrdf"}))
    out, md = tmp_path / "d.json", tmp_path / "q.md"
    argv = ["--model", str(folder), "--cases", "2", "--size", "16", "--steps", "1", "--samples", "1",
            "--out", str(out), "--markdown", str(md)]
    assert svbrdf_diagnosis.main(argv) == 0
    section = json.loads(out.read_text())
    means = {name: r["mean"] for name, r in section["predictors"].items()}
    model = means["model"]
    normals = means["model, true normals"]
    assert normals["normals_degrees"] < 0.01 < model["normals_degrees"]
    assert normals["diffuse_rmse"] == model["diffuse_rmse"]          # only the normals changed
    assert means["model, true roughness"]["roughness_rmse"] == 0.0
    # a least-squares scale can only lower the diffuse error (before clipping to [0, 1])
    assert means["model, diffuse scale from the truth"]["diffuse_rmse"] <= model["diffuse_rmse"] + 1e-6
    assert set(section["roughness_spread"]) == {"predicted", "true"}
    agreement = section["normals_agreement"]
    assert -1.0 <= agreement["slope_correlation"] <= 1.0 and agreement["slope_std_true"] > 0
    assert "| model, true normals |" in md.read_text()


def test_slope_correlation_ignores_scale_and_sees_sign():
    up = torch.tensor([0, 0, 1.0]).view(1, 3, 1, 1)
    truth = torch.nn.functional.normalize(torch.randn(1, 3, 8, 8) * 0.1 + up, dim=1)
    assert svbrdf_diagnosis.slope_correlation(truth * 0.5, truth) > 0.999
    flipped = truth.clone()
    flipped[:, :2] *= -1
    assert svbrdf_diagnosis.slope_correlation(flipped, truth) < -0.999
