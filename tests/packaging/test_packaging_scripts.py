"""Fast checks of the packaging scripts: frozen entry, build helpers, licences, Linux install script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "packaging" / "teamwork_studio_main.py"
LINUX = ROOT / "packaging" / "linux"


def test_entry_runs_code_like_python_c():
    code = "import sys; print('sum', 6 * 7, sys.argv)"
    result = subprocess.run([sys.executable, str(ENTRY), "-c", code, "a", "b"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sum 42 ['-c', 'a', 'b']"


def test_entry_c_propagates_exit_status_and_errors():
    def entry(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ENTRY), *args], capture_output=True, text=True, timeout=60)

    assert entry("-c", "raise SystemExit(3)").returncode == 3
    failed = entry("-c", "1/0")
    assert failed.returncode == 1 and "ZeroDivisionError" in failed.stderr
    missing = entry("-c")
    assert missing.returncode == 2 and "needs the code" in missing.stderr


def test_entry_dispatches_to_the_cli():
    import engine

    result = subprocess.run([sys.executable, str(ENTRY), "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"teamwork-studio {engine.__version__}"


@pytest.mark.qt
def test_entry_smoke_hook_opens_the_window_and_quits_cleanly():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TEAMWORK_STUDIO_SMOKE_QUIT_MS": "300"}
    result = subprocess.run([sys.executable, str(ENTRY)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stderr.splitlines() if line.startswith("smoke:"))
    assert int(line.split()[1]) >= 1, line  # at least one visible window before quitting
    assert "Traceback" not in result.stderr


def test_build_refuses_a_variant_that_does_not_match_torch(packaging_module):
    build = packaging_module("build")
    build.check_variant("cpu", "2.13.0+cpu", None)
    build.check_variant("cuda", "2.13.0+cu128", "12.8")
    with pytest.raises(SystemExit, match="CUDA build of torch"):
        build.check_variant("cuda", "2.13.0+cpu", None)
    with pytest.raises(SystemExit, match="is a CUDA build"):
        build.check_variant("cpu", "2.13.0+cu128", "12.8")


@pytest.mark.skipif(sys.platform.startswith("win"), reason="Windows has no exec bits; its archive is a zip")
def test_build_archive_keeps_modes_and_links(packaging_module, tmp_path):
    build = packaging_module("build")
    bundle = tmp_path / "teamwork-studio"
    (bundle / "_internal").mkdir(parents=True)
    exe = bundle / "teamwork-studio"
    exe.write_text("#!/bin/sh\necho hi\n")
    exe.chmod(0o755)
    (bundle / "_internal" / "libfoo.so.1").write_bytes(b"\0" * 1000)
    (bundle / "_internal" / "libfoo.so").symlink_to("libfoo.so.1")
    build.add_linux_extras(bundle)
    assert build.tree_size(bundle) == sum(p.stat().st_size for p in bundle.rglob("*")
                                          if p.is_file() and not p.is_symlink())
    archive = build.make_tar_gz(bundle, tmp_path / "out.tar.gz")
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["teamwork-studio/teamwork-studio"].mode & 0o111
    assert members["teamwork-studio/install.sh"].mode & 0o111
    assert members["teamwork-studio/_internal/libfoo.so"].issym()
    assert {"teamwork-studio/teamwork-studio.desktop", "teamwork-studio/teamwork-studio.png"} <= set(members)
    assert not (tmp_path / "out.tar.gz.partial").exists()


def test_licence_report_names_packages_and_carries_texts(packaging_module, tmp_path):
    licenses = packaging_module("licenses")
    import numpy

    dists = licenses.distributions_for_modules(["cv2", "numpy"])
    assert [d.metadata["Name"] for d in dists] == ["numpy", "opencv-python-headless"]
    asset = tmp_path / "license.txt"
    asset.write_text("All HDRIs are CC0.\n")
    report = licenses.licence_report(["numpy", "numpy.linalg"], [("HDRIs", asset)])
    assert f"numpy {numpy.__version__}: " in report
    assert "All HDRIs are CC0." in report
    assert "Copyright" in report  # numpy's licence text itself, not only its name
    assert report.count(f"numpy {numpy.__version__} (") == 1  # one section per distribution


# --- Linux install script -------------------------------------------------------------------------

def _fake_bundle(folder: Path) -> Path:
    bundle = folder / "teamwork-studio"
    bundle.mkdir(parents=True)
    exe = bundle / "teamwork-studio"
    exe.write_text("#!/bin/sh\necho frozen-app \"$@\"\n")
    exe.chmod(0o755)
    shutil.copy2(LINUX / "install.sh", bundle / "install.sh")
    shutil.copy2(LINUX / "teamwork-studio.desktop", bundle / "teamwork-studio.desktop")
    shutil.copy2(ROOT / "packaging" / "icons" / "teamwork-studio.png", bundle / "teamwork-studio.png")
    return bundle


def _run_install(bundle: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "XDG_DATA_HOME": str(home / ".local" / "share")}
    return subprocess.run(["bash", str(bundle / "install.sh"), *args], capture_output=True, text=True,
                          timeout=60, env=env)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the install script is for Linux")
def test_install_script_registers_menu_entry_and_command_then_uninstalls(tmp_path):
    bundle = _fake_bundle(tmp_path / "download")
    home = tmp_path / "home"
    result = _run_install(bundle, home)
    assert result.returncode == 0, result.stderr
    share = home / ".local" / "share"
    installed = share / "teamwork-studio"
    assert (installed / "teamwork-studio").is_file() and (installed / "_internal").exists() is False
    desktop = (share / "applications" / "teamwork-studio.desktop").read_text()
    assert f'Exec="{installed}/teamwork-studio" %F' in desktop
    assert f"TryExec={installed}/teamwork-studio" in desktop and "Icon=teamwork-studio" in desktop
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / "teamwork-studio.png").is_file()
    link = home / ".local" / "bin" / "teamwork-studio"
    assert subprocess.run([str(link), "x"], capture_output=True, text=True).stdout.strip() == "frozen-app x"
    if shutil.which("desktop-file-validate"):
        entry = share / "applications" / "teamwork-studio.desktop"
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    # A second install replaces the first; then uninstall removes everything it made.
    assert _run_install(bundle, home).returncode == 0
    result = _run_install(bundle, home, "--uninstall")
    assert result.returncode == 0, result.stderr
    assert not installed.exists() and not link.is_symlink()
    assert not (share / "applications" / "teamwork-studio.desktop").exists()
    assert bundle.is_dir()  # the unpacked download is left alone


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the install script is for Linux")
def test_install_script_in_place_and_refuses_foreign_folders(tmp_path):
    bundle = _fake_bundle(tmp_path / "apps")
    home = tmp_path / "home"
    assert _run_install(bundle, home, "--in-place").returncode == 0
    desktop = (home / ".local" / "share" / "applications" / "teamwork-studio.desktop").read_text()
    assert f'Exec="{bundle}/teamwork-studio" %F' in desktop
    assert not (home / ".local" / "share" / "teamwork-studio").exists()
    assert _run_install(bundle, home, "--uninstall").returncode == 0
    assert (bundle / "teamwork-studio").is_file()  # in-place bundles are never deleted

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    result = _run_install(bundle, home, "--prefix", str(foreign))
    assert result.returncode == 1 and "not a Teamwork Studio install" in result.stderr
    assert (foreign / "precious.txt").read_text() == "keep me"
    assert _run_install(bundle, home, "--bogus").returncode == 2


def test_desktop_file_is_valid():
    if not shutil.which("desktop-file-validate"):
        pytest.skip("desktop-file-validate (desktop-file-utils) is not installed")
    result = subprocess.run(["desktop-file-validate", str(LINUX / "teamwork-studio.desktop")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
