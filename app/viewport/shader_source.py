"""Load the GLSL programs of ``shaders/`` (moderngl-window layout) and resolve ``#include``.

One program per file: ``#version`` on the first line, the stages in ``#if VERTEX_SHADER`` /
``#if FRAGMENT_SHADER`` blocks. ``#include "name.glsl"`` pulls in another file of ``shaders/``
(each file at most once per program). Qt-free and GL-free, so it is testable anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from engine.paths import shaders_dir

_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$')
STAGES = ("VERTEX_SHADER", "FRAGMENT_SHADER")


class ShaderSourceError(ValueError):
    """A shader file is missing, malformed or includes itself."""


def resolve_includes(name: str, folder: Path | None = None, _seen: set[str] | None = None) -> str:
    """The text of ``folder/name`` with every ``#include "x.glsl"`` replaced by that file's text."""
    folder = folder or shaders_dir()
    seen = set() if _seen is None else _seen
    path = folder / name
    if not path.is_file():
        raise ShaderSourceError(f"Shader file {path} does not exist.")
    seen.add(name)
    out: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _INCLUDE.match(line)
        if match is None:
            out.append(line)
            continue
        child = match.group(1)
        if child in seen:
            out.append(f"// {child} already included")
            continue
        out.append(f"// begin {child} (included from {name}:{number})")
        out.append(resolve_includes(child, folder, seen))
        out.append(f"// end {child}")
    return "\n".join(out)


def stage_sources(name: str, folder: Path | None = None) -> dict[str, str]:
    """``{"vertex_shader": ..., "fragment_shader": ...}`` for the program file ``name``.

    Each stage gets the whole file with ``#define <STAGE> 1`` inserted after the ``#version`` line.
    """
    text = resolve_includes(name, folder)
    lines = text.splitlines()
    if not lines or not lines[0].startswith("#version"):
        raise ShaderSourceError(f"Shader program {name} must start with a #version line.")
    sources: dict[str, str] = {}
    for stage in STAGES:
        if f"#if {stage}" not in text:
            raise ShaderSourceError(f"Shader program {name} has no '#if {stage}' block.")
        body = [lines[0], f"#define {stage} 1", *lines[1:]]
        sources[stage.lower()] = "\n".join(body) + "\n"
    return sources
