"""Shared test configuration: small thread counts, isolated config/cache/log dirs, seeded torch."""

from __future__ import annotations

import os

import pytest

# Keep the suite predictable on 2 cores and never touch the user's real folders.
os.environ.setdefault("OMP_NUM_THREADS", "2")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.getbasetemp() / "teamwork-studio-home"
    for name in ("CONFIG", "CACHE", "LOG"):
        path = base / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(f"TEAMWORK_STUDIO_{name}_DIR", str(path))
    yield
