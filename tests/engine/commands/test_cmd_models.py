"""``models list|info|download`` against local files only (the network is never used)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from engine import cli
from engine.commands import models


def _checkpoint(path: Path, metadata: dict[str, str]) -> Path:
    header = {
        "__metadata__": metadata,
        "x.adapter.down": {"dtype": "F32", "shape": [2, 1, 1], "data_offsets": [0, 8]},
    }
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 8)
    return path


META = {"modelspec.type": "teamwork", "base_model": "tiny/base", "teamwork.teammates": "image.in,diffuse.out"}


def test_download_saves_into_the_models_folder_then_list_and_info_show_it(tmp_path, monkeypatch, capsys):
    source = _checkpoint(tmp_path / "release.safetensors", META)
    calls = []

    def fake_download(repo, filename, revision, local_dir):
        calls.append((repo, filename, revision))
        target = local_dir / filename
        target.write_bytes(source.read_bytes())
        return target

    monkeypatch.setattr(models, "_hf_download", fake_download)
    monkeypatch.setenv("TEAMWORK_STUDIO_MODELS_DIR", str(tmp_path / "no_embedded_models"))
    assert cli.main(["models", "download", "colocated_svbrdf_estimation_sdxl_256"]) == 0
    assert calls == [(models.RELEASE_REPO, "colocated_svbrdf_estimation_sdxl_256.safetensors", None)]
    saved = models.models_dir() / "colocated_svbrdf_estimation_sdxl_256.safetensors"
    assert saved.read_bytes() == source.read_bytes()

    capsys.readouterr()
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "embedded svbrdf: not shipped" in out
    assert "colocated_svbrdf_estimation_sdxl_256" in out and "image.in,diffuse.out" in out

    assert cli.main(["models", "info", "colocated_svbrdf_estimation_sdxl_256"]) == 0
    out = capsys.readouterr().out
    assert "tensors: 1" in out and "base_model: tiny/base" in out and "not a Teamwork" not in out


def test_list_reports_each_embedded_task(tmp_path, monkeypatch, capsys):
    from engine.pipelines import estimate

    (tmp_path / "svbrdf").mkdir()
    (tmp_path / "svbrdf" / "adapter.safetensors").write_bytes(b"x")
    monkeypatch.setattr(estimate, "embedded_folder", lambda task: tmp_path / task)
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "embedded svbrdf: shipped with this build" in out
    assert "embedded intrinsic: not shipped with this build yet" in out


def test_offline_download_says_so_and_exits_1(monkeypatch, capsys):
    from huggingface_hub.errors import LocalEntryNotFoundError

    def offline(*args, **kwargs):
        raise LocalEntryNotFoundError("offline")

    monkeypatch.setattr(models, "_hf_download", offline)
    assert cli.main(["models", "download", "--all"]) == 1
    err = capsys.readouterr().err
    assert err.count("no connection to huggingface.co") == len(models.RELEASE_FILES)


def test_download_needs_a_name(capsys):
    assert cli.main(["models", "download"]) == 2
    assert "release files" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content,needle",
    [(b"", "too short"), (b"\xff" * 16, "header size"), (struct.pack("<Q", 4) + b"nope", "not JSON")],
)
def test_info_on_a_bad_file_is_one_sentence(tmp_path, capsys, content, needle):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(content)
    assert cli.main(["models", "info", str(bad)]) == 1
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_info_flags_non_teamwork_files_and_unknown_names(tmp_path, capsys):
    plain = _checkpoint(tmp_path / "plain.safetensors", {"format": "pt"})
    assert cli.main(["models", "info", str(plain)]) == 0
    assert "not a Teamwork checkpoint" in capsys.readouterr().out
    assert cli.main(["models", "info", "no-such-model"]) == 1
    assert "no model called 'no-such-model'" in capsys.readouterr().err
