import json

import numpy as np

from benchmarks import inpainting


def test_band_detail_tells_a_blurred_band_from_a_detailed_one():
    rng = np.random.default_rng(0)
    noise = rng.random((32, 32, 3)).astype(np.float32)
    assert 0.8 < inpainting.band_detail({"diffuse": noise}, 8) < 1.2
    blurred = noise.copy()
    blurred[:4], blurred[-4:], blurred[:, :4], blurred[:, -4:] = 0.5, 0.5, 0.5, 0.5
    assert inpainting.band_detail({"diffuse": blurred}, 8) < 0.2


def test_cut_out_materials_do_not_tile_and_the_run_writes_its_tables(tmp_path):
    case = inpainting.material_case(1, 32, cut_out=True)
    assert set(case) == set(inpainting.MAPS) and case["image"].shape == (32, 32, 3)
    assert inpainting.seam_ratio(case) > inpainting.seam_ratio(inpainting.material_case(1, 32, cut_out=False))
    from engine.tasks import INPAINT
    from tests.engine.pipelines.helpers import export_tiny_model

    model = export_tiny_model(tmp_path / "tiny", INPAINT.teammates())
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    assert inpainting.main(["--cases", "1", "--size", "32", "--steps", "2", "--model", str(model),
                            "--out", str(out), "--markdown", str(md)]) == 0
    results = json.loads(out.read_text())
    assert set(results["methods"]) == {"OpenCV Telea", f"Teamwork ({model})"}
    assert "seam ratio after" in md.read_text()
