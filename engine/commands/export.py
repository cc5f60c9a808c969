"""``teamwork-studio export MATERIAL_DIR --preset P --out DIR``: a raw material set -> engine textures."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

HELP = "export a material folder written by 'estimate' as an engine-ready texture set"

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(parser: argparse.ArgumentParser) -> None:
    from engine.export.presets import FORMATS, SCENES

    parser.add_argument("material_dir", metavar="MATERIAL_DIR", nargs="?",
                        help="a raw material folder (diffuse.png, specular.png, roughness.png, ...)")
    parser.add_argument("--preset", "-p", default="gltf",
                        help="raw, gltf, unreal, unity-hdrp, unity-urp, blender, substance, intrinsic, "
                             "a user preset name or a .json/.toml preset file (default: gltf)")
    parser.add_argument("--out", "-o", metavar="DIR", help="the folder to write (created if missing)")
    parser.add_argument("--format", dest="fmt", choices=sorted(FORMATS),
                        help="one format for every texture (default: the preset's; unbounded maps stay EXR)")
    parser.add_argument("--resolution", "-r", metavar="R", help="N (longer side) or WxH (default: as is)")
    parser.add_argument("--name", help="material name for the {name} token (default: the folder's name)")
    parser.add_argument("--template", help="file-name template: {name} {map} {preset} {width} {height}")
    parser.add_argument("--normal", choices=("opengl", "directx"), help="override the normal convention")
    parser.add_argument("--scene", action="append", choices=SCENES, dest="scenes",
                        help="scene files to write (repeatable; default: the preset's)")
    parser.add_argument("--tileable", action="store_true",
                        help="the maps tile: integrate height and AO periodically")
    parser.add_argument("--no-ao", action="store_true", help="write white ambient occlusion")
    parser.add_argument("--fov", type=float, default=45.0,
                        help="field of view (degrees) for the round-trip re-render error (default 45)")
    parser.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    parser.add_argument("--list-presets", action="store_true", help="list the presets and exit")


def _list_presets() -> int:
    from engine.export.presets import list_presets

    for name, preset in list_presets().items():
        sys.stdout.write(f"{name:12s} {preset.description}\n")
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"teamwork-studio export: {message}\n")
    return code


def run(args: argparse.Namespace) -> int:
    if args.list_presets:
        return _list_presets()
    if not args.material_dir or not args.out:
        return _fail("give MATERIAL_DIR and --out DIR (see --help).", EXIT_USAGE)

    from tqdm import tqdm

    from engine.export import ExportError, export_material, get_preset, read_raw

    try:
        preset = get_preset(args.preset)
    except ValueError as error:
        return _fail(str(error), EXIT_USAGE)
    try:
        maps = read_raw(args.material_dir)
    except ValueError as error:
        return _fail(str(error), EXIT_FAILED)
    name = args.name or Path(args.material_dir).resolve().name or "material"
    bar = tqdm(total=1, desc=f"export {preset.name}", unit="file", leave=False, disable=None)

    def progress(step: int, total: int) -> None:
        bar.total = total
        bar.n = step
        bar.refresh()

    try:
        report = export_material(
            maps, preset, args.out, name=name, fmt=args.fmt, resolution=args.resolution,
            overwrite=args.overwrite, tileable=args.tileable, ambient_occlusion=not args.no_ao,
            normal=args.normal, scenes=tuple(args.scenes) if args.scenes else None,
            template=args.template, fov_degrees=args.fov, progress=progress,
        )
    except (ExportError, ValueError) as error:
        return _fail(str(error), EXIT_FAILED)
    finally:
        bar.close()
    for warning in report.warnings:
        log.warning("%s", warning)
    rt = report.roundtrip
    summary = f"wrote {len(report.files)} files to {report.out_dir} ({report.size[0]}x{report.size[1]})"
    if rt is not None:
        summary += f"; metal/rough round-trip RMSE {rt['rmse']:.4f} ({rt['method']})"
    sys.stdout.write(summary + "\n")
    return EXIT_OK
