"""GL fixtures for the shader tests: skip (with the reason) when no OpenGL 3.3 context exists."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def gl_renderer():
    from app.viewport.offscreen import ViewportUnavailable, standalone_renderer

    try:
        return standalone_renderer()
    except ViewportUnavailable as exc:
        pytest.skip(f"no OpenGL 3.3 context here: {exc}")
