"""benchmarks/quality.py end to end at toy size: baselines only (no trained model needed)."""

from __future__ import annotations

import json

from benchmarks import quality


def test_quality_cli_writes_json_and_markdown_block(tmp_path):
    out, md = tmp_path / "q.json", tmp_path / "quality.md"
    md.write_text("# Quality\n\nIntro kept.\n")
    argv = ["--svbrdf-model", "baseline", "--intrinsic-model", "baseline", "--size", "16",
            "--svbrdf-cases", "2", "--intrinsic-cases", "1", "--no-scenes", "--out", str(out),
            "--markdown", str(md)]
    assert quality.main(argv) == 0
    results = json.loads(out.read_text())
    assert list(results["svbrdf"]["predictors"]) == ["baseline"]
    assert results["config"]["held_out_families"] and "--svbrdf-cases 2" in results["command"]
    assert any("No SVBRDF model" in note for note in results["notes"])
    assert len(results["svbrdf"]["predictors"]["baseline"]["per_case"]["rerender_rmse"]) == 2
    assert "intrinsic_hdri" in results
    text = md.read_text()
    assert text.startswith("# Quality\n\nIntro kept.") and "<!-- quality:begin -->" in text
    assert "| baseline |" in text
    # the block can be rewritten from the JSON alone
    md.write_text("# Quality\n")
    assert quality.main(["--report-only", str(out), "--markdown", str(md)]) == 0
    assert "| baseline |" in md.read_text()


def test_quality_cli_rejects_a_missing_model(tmp_path):
    argv = ["--tasks", "svbrdf", "--svbrdf-model", str(tmp_path / "nope"), "--size", "16",
            "--svbrdf-cases", "1", "--out", str(tmp_path / "q.json"), "--markdown", str(tmp_path / "q.md")]
    assert quality.main(argv) == 2
    assert not (tmp_path / "q.json").exists()
