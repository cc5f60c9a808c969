"""Markdown tables of the evaluation and ablation results, and their place in docs/quality.md.

Each script owns one marked block of the document (``<!-- quality:begin -->`` ... ``end``, likewise
``ablation``) and replaces only that block, so hand-written text around it survives re-runs.
"""

from __future__ import annotations

import re
from pathlib import Path

SVBRDF_COLUMNS = (("diffuse_rmse", "diffuse RMSE", 4), ("specular_rmse", "specular RMSE", 4),
                  ("roughness_rmse", "roughness RMSE", 4), ("normals_degrees", "normals (deg)", 2),
                  ("rerender_rmse", "re-render RMSE", 4))
INTRINSIC_COLUMNS = (("albedo_si_rmse", "albedo si-RMSE", 4), ("albedo_psnr", "albedo PSNR (dB)", 2),
                     ("shading_si_rmse", "shading si-RMSE", 4))


def _fmt(value, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _gain(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.2f} dB" if metric.endswith("psnr") else f"{100 * value:+.1f} %"


def results_table(section: dict, columns, subset: str = "mean") -> list[str]:
    """Rows: each predictor's ``subset`` means, then each model's improvement over the baseline."""
    head = ["predictor", *[c[1] for c in columns], "s / case"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, result in section["predictors"].items():
        cells = [_fmt(result[subset].get(key), digits) for key, _, digits in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {result['seconds_per_case']:.2f} |")
    if subset == "mean":
        for name, metrics in section.get("comparison", {}).items():
            cells = [_gain(key, metrics.get(key, {}).get("improvement")) for key, _, _ in columns]
            lines.append(f"| {name} vs baseline | " + " | ".join(cells) + " | |")
    return lines


def goal_lines(section: dict, label: str) -> list[str]:
    out = []
    for name, goal in section.get("goal", {}).items():
        parts = []
        for metric, check in goal["metrics"].items():
            status = "met" if check["met"] else f"short by {100 * check['shortfall']:.1f} points"
            gain, target = 100 * check["improvement"], 100 * check["target"]
            parts.append(f"{metric} {gain:+.1f} % (target +{target:.0f} %, {status})")
        verdict = "**met**" if goal["met"] else "**not met**"
        out.append(f"- {label} goal for `{name}`: {verdict} — " + "; ".join(parts) + ".")
    return out


def _section(title: str, section: dict, columns, goal_label: str) -> list[str]:
    cases = section["cases"]
    held = sum(1 for c in cases if c["held_out_family"])
    lines = [f"### {title}", "", f"{len(cases)} cases ({held} with a held-out family).", ""]
    lines += results_table(section, columns)
    lines += ["", "Held-out families only:", ""]
    lines += results_table(section, columns, "mean_held_out_families")
    lines += [""] + goal_lines(section, goal_label)
    return lines + [""]


def quality_markdown(results: dict) -> str:
    """The quality block: settings, commands, SVBRDF and intrinsic tables, goal verdicts."""
    cfg = results["config"]
    fovs = ", ".join(str(f) for f in cfg["fovs"])
    lines = ["## Quality on the held-out set", "",
             f"Command: `{results['command']}`  ",
             f"Date: {results['date']}; device {cfg['device']}; {cfg['size']}x{cfg['size']} px; "
             f"{cfg['steps'] or 'default'} steps, {cfg['samples']} sample(s), seed {cfg['seed']}.  ",
             f"Held-out families: {', '.join(cfg['held_out_families'])}; held-out environments: "
             f"{', '.join(cfg['held_out_environments'])}; FOVs {fovs} deg.", ""]
    for note in results.get("notes", []):
        lines.append(f"> {note}")
    if results.get("notes"):
        lines.append("")
    if "svbrdf" in results:
        lines += _section("SVBRDF (simulated flash photos)", results["svbrdf"], SVBRDF_COLUMNS, "SVBRDF")
    if "intrinsic_hdri" in results:
        lines += _section("Intrinsic: HDRI-lit relief scenes (our renderer)", results["intrinsic_hdri"],
                          INTRINSIC_COLUMNS, "Intrinsic (HDRI)")
    if "intrinsic_scenes" in results:
        lines += _section("Intrinsic: held-out synthetic scenes (the training scene generator)",
                          results["intrinsic_scenes"], INTRINSIC_COLUMNS, "Intrinsic (scenes)")
    if "intrinsic_pathtraced" in results:
        lines += _section("Intrinsic: path-traced scenes with global illumination (Mitsuba 3)",
                          results["intrinsic_pathtraced"], INTRINSIC_COLUMNS, "Intrinsic (path traced)")
    return "\n".join(lines).rstrip() + "\n"


def replace_block(path: Path, name: str, body: str, title: str = "# Quality of the embedded models") -> None:
    """Write ``body`` between the ``name`` markers of ``path`` (created with ``title`` if missing)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else f"{title}\n\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
