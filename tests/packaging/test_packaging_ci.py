"""The files that cannot run here (Windows installer, GitHub workflow) agree with the build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "packaging" / "windows" / "teamwork-studio.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "package.yml"


def iss_defines() -> dict[str, str]:
    text = ISS.read_text(encoding="utf-8")
    return dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', text, re.MULTILINE))


def iss_setup() -> dict[str, str]:
    text = ISS.read_text(encoding="utf-8").split("[Setup]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r"^(\w+)=(.*)$", text, re.MULTILINE))


def test_inno_setup_script_matches_the_bundle(bundle_config):
    defines = iss_defines()
    assert defines["AppExe"] == f"{bundle_config.EXE_NAME}.exe"
    assert defines["CliExe"] == f"{bundle_config.CLI_EXE_NAME}.exe"
    assert defines["AppName"] == bundle_config.DISPLAY_NAME
    bundle_dir = (ISS.parent / defines["BundleDir"].replace("\\", "/")).resolve()
    assert bundle_dir == ROOT / "dist" / bundle_config.APP_NAME
    setup = iss_setup()
    assert (ISS.parent / setup["SetupIconFile"].replace("\\", "/")).resolve() == bundle_config.ICON_ICO
    assert (ISS.parent / setup["OutputDir"].replace("\\", "/")).resolve() == ROOT / "dist"
    # The installer is named like the archives: teamwork-studio-<version>-windows-amd64-<variant>.
    expected = bundle_config.archive_name("{#AppVersion}", "windows", "amd64", "cpu")
    expected = expected.removesuffix("-cpu") + "-{#Variant}"
    assert setup["OutputBaseFilename"] == f"{expected}-setup"
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", setup["AppId"]), "AppId must stay one fixed GUID"
    assert setup["PrivilegesRequired"] == "lowest"


def test_inno_setup_sections_are_balanced():
    text = ISS.read_text(encoding="utf-8")
    sections = re.findall(r"^\[(\w+)\]\s*$", text, re.MULTILINE)
    assert sections[:2] == ["Setup", "Languages"] and "Files" in sections and sections[-1] == "Code"
    opened_ifs = re.findall(r"^\s*#if(?:n?def)?\s", text, re.MULTILINE)
    assert len(opened_ifs) == len(re.findall(r"^\s*#endif\b", text, re.MULTILINE))
    code = text.split("[Code]", 1)[1]
    opened = len(re.findall(r"\bbegin\b", code, re.IGNORECASE))
    closed = len(re.findall(r"\bend;", code, re.IGNORECASE))
    assert opened == closed, "unbalanced begin/end in [Code]"


def test_workflow_builds_and_smoke_tests_on_linux_and_windows():
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job = workflow["jobs"]["bundle"]
    oses = job["strategy"]["matrix"]["os"]
    assert any(o.startswith("ubuntu") for o in oses) and any(o.startswith("windows") for o in oses)
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python packaging/build.py" in runs
    assert "pytest tests/packaging" in runs and "teamwork-studio.iss" in runs
    smoke_envs = [step.get("env", {}) for step in job["steps"] if "pytest" in step.get("run", "")]
    assert smoke_envs and all(env.get("TEAMWORK_STUDIO_PACKAGING_TEST") == "1" for env in smoke_envs)
    torch_pin = workflow["env"]["TORCH_VERSION"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", torch_pin)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    upper = re.search(r'"torch>=[\d.]+,<([\d.]+)"', pyproject)
    if upper:  # the pinned torch must satisfy the project's own bound
        pinned = tuple(int(x) for x in torch_pin.split("."))
        assert pinned < tuple(int(x) for x in upper.group(1).split("."))
