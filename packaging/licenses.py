"""The licences of the third-party software and assets bundled with Teamwork Studio.

``licence_report(modules, extra_files)`` maps the top-level modules PyInstaller collected to their
installed distributions and writes one plain-text document: for each distribution its name, version,
declared licence and the full text of every licence file it ships; then the licence files of bundled
assets (the HDRIs' CC0 note, the models' licences). The spec writes it to
``licenses/THIRD_PARTY_LICENSES.txt`` inside the bundle, where the About box can show it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

RULE = "=" * 78
LICENCE_FILE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")


@dataclass(frozen=True)
class LicenceEntry:
    name: str
    version: str
    declared: str
    texts: list[tuple[str, str]] = field(default_factory=list)  # (file name, text)


def declared_licence(dist: metadata.Distribution) -> str:
    """The licence a distribution declares: SPDX expression, short License field or classifiers."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    short = (meta.get("License") or "").strip()
    if short and "\n" not in short and len(short) < 200:
        return short
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License")]
    return "; ".join(classifiers) or "see the licence text below"


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    """``(relative name, text)`` of the licence files in the distribution's metadata folder."""
    found: list[tuple[str, str]] = []
    for entry in dist.files or []:
        parts = entry.parts
        if not parts or not parts[0].endswith((".dist-info", ".egg-info")):
            continue
        inner = parts[1:]
        if not inner:
            continue
        is_licence_dir = inner[0] in ("licenses", "licences") and len(inner) > 1
        if is_licence_dir or inner[-1].upper().startswith(LICENCE_FILE_PREFIXES):
            try:
                text = entry.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if text:
                found.append(("/".join(inner[1:] if is_licence_dir else inner), text))
    return sorted(found, key=lambda item: (item[0].count("/"), item[0]))


def distributions_for_modules(modules: Iterable[str],
                              skip: Iterable[str] = ()) -> list[metadata.Distribution]:
    """The installed distributions providing the given top-level modules, sorted by name."""
    providers = metadata.packages_distributions()
    skipped = {s.lower() for s in skip}
    names: set[str] = set()
    for module in modules:
        for name in providers.get(module.split(".")[0], []):
            if name.lower() not in skipped:
                names.add(name)
    dists = []
    for name in sorted(names, key=str.lower):
        try:
            dists.append(metadata.distribution(name))
        except metadata.PackageNotFoundError:
            log.warning("no metadata for %s", name)
    return dists


def licence_entries(dists: Iterable[metadata.Distribution]) -> list[LicenceEntry]:
    seen: set[str] = set()
    entries = []
    for dist in dists:
        name = dist.metadata["Name"]
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        entries.append(LicenceEntry(name, dist.version, declared_licence(dist), licence_texts(dist)))
    return entries


def licence_report(modules: Iterable[str], extra_files: Iterable[tuple[str, Path]] = (),
                   app_name: str = "Teamwork Studio", skip: Iterable[str] = ()) -> str:
    """The whole document. ``extra_files`` are ``(title, path)`` of asset licences to append."""
    entries = licence_entries(distributions_for_modules(modules, skip))
    lines = [
        f"{app_name}: licences of bundled third-party software and assets",
        "",
        "Python packages (name, version, declared licence):",
    ]
    lines += [f"  {e.name} {e.version}: {e.declared}" for e in entries]
    lines += ["", "The Python runtime is covered by the PSF License Agreement.",
              "Qt (through PySide6) is used under the GNU LGPL v3; its libraries are separate, "
              "replaceable files in this bundle.", ""]
    for title, path in extra_files:
        if path.is_file():
            lines += [RULE, title, RULE, path.read_text(encoding="utf-8", errors="replace").rstrip(), ""]
    for entry in entries:
        lines += [RULE, f"{entry.name} {entry.version} ({entry.declared})", RULE]
        if not entry.texts:
            lines += ["(the distribution ships no licence file)", ""]
        for file_name, text in entry.texts:
            lines += [f"--- {file_name} ---", text.rstrip(), ""]
    return "\n".join(lines) + "\n"
