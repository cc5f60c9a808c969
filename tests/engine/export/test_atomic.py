"""Atomic export: failures leave nothing partial; clear errors for clashes and read-only targets."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from engine.export import ExportError, atomic, export_material, exporter
from engine.progress import Cancelled, CancelToken


def _failing_after(count, real):
    calls = {"n": 0}

    def write(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > count:
            raise RuntimeError("injected failure while writing")
        return real(*args, **kwargs)

    return write


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_exception_mid_write_leaves_no_partial_set(tmp_path, material, monkeypatch):
    monkeypatch.setattr(exporter, "write_image", _failing_after(2, exporter.write_image))
    with pytest.raises(RuntimeError, match="injected"):
        export_material(material, "unreal", tmp_path / "out")
    assert _listing(tmp_path) == []  # neither the target nor a staging folder


def test_failure_into_an_existing_folder_keeps_its_old_files(tmp_path, material, monkeypatch):
    out = tmp_path / "out"
    export_material(material, "substance", out, name="m")
    (out / "notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    brighter = {**material, "roughness": material["roughness"] * 0.5}
    monkeypatch.setattr(exporter, "write_image", _failing_after(4, exporter.write_image))
    with pytest.raises(RuntimeError):
        export_material(brighter, "substance", out, name="m", overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _listing(tmp_path) == sorted(["out"] + [f"out/{n}" for n in before])


def test_failed_move_rolls_back(tmp_path, material, monkeypatch):
    out = tmp_path / "out"
    export_material(material, "blender", out, name="m")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(errno.EIO, "I/O error")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky_replace)
    changed = {**material, "roughness": 1 - material["roughness"]}
    with pytest.raises(ExportError, match="Cannot export"):
        export_material(changed, "blender", out, name="m", overwrite=True)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_name_clash_without_overwrite(tmp_path, material):
    export_material(material, "gltf", tmp_path / "out", name="m")
    with pytest.raises(ExportError, match="already exist.*allow overwriting"):
        export_material(material, "gltf", tmp_path / "out", name="m")
    export_material(material, "gltf", tmp_path / "out", name="m", overwrite=True)
    # one material.json per folder: a second material needs another folder (or overwriting)
    with pytest.raises(ExportError, match="material.json already exist"):
        export_material(material, "gltf", tmp_path / "out", name="other")
    assert not (tmp_path / "out" / "other_baseColor.png").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="not a folder"):
        export_material(material, "gltf", tmp_path / "file")


def test_read_only_target_gives_a_clear_error(tmp_path, material, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", refuse)
    with pytest.raises(ExportError, match="permission denied"):
        export_material(material, "raw", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_read_only_folder_on_disk(tmp_path, material):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ExportError, match="permission denied"):
            export_material(material, "raw", folder / "out")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_disk_full_is_explained(tmp_path, material, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exporter, "write_image", full)
    with pytest.raises(ExportError, match="disk is full"):
        export_material(material, "blender", tmp_path / "out")
    assert _listing(tmp_path) == []


def test_progress_and_cancel(tmp_path, material):
    steps = []
    export_material(material, "gltf", tmp_path / "a", progress=lambda s, t: steps.append((s, t)))
    assert steps[-1][0] == steps[-1][1] == 7  # 3 textures + 3 scene files + manifest
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_material(material, "gltf", tmp_path / "b", cancel=token)
    assert not (tmp_path / "b").exists()


def test_bad_arguments(tmp_path, material):
    with pytest.raises(ValueError, match="Unknown export preset"):
        export_material(material, "godot", tmp_path / "a")
    with pytest.raises(ValueError, match="Unknown export format"):
        export_material(material, "gltf", tmp_path / "a", fmt="jpg")
    with pytest.raises(ValueError, match="file name"):
        export_material(material, "gltf", tmp_path / "a", name="a/b")
    with pytest.raises(ValueError, match="no maps"):
        export_material({}, "gltf", tmp_path / "a")
    small = {**material, "roughness": material["roughness"][:4]}
    with pytest.raises(ValueError, match="differ in size"):
        export_material(small, "gltf", tmp_path / "a")
    assert _listing(tmp_path) == []
