"""``teamwork-studio tile INPUT --out OUT``: make a material (photo and every map) tile seamlessly.

Every map is rolled by half its size, the cross-shaped band around the wrap seams is inpainted in all
maps at once, and the maps are rolled back (see engine/pipelines/inpaint.py). INPUT, ``--photo`` and
the output follow ``teamwork-studio inpaint``.

Examples::

    teamwork-studio tile materials/wood --photo wood.jpg --out materials/wood_tiling
    teamwork-studio tile bricks.jpg --out bricks_tiling.png --band 48
"""

from __future__ import annotations

import argparse

from engine.commands.inpaint import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    add_common_arguments,
    check_output,
    fail,
    options_from,
    read_input,
    report,
    run_with_progress,
    write_output,
)

HELP = "make a photo and its material maps tile seamlessly (inpaint the seams of all maps at once)"


def register(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--band", type=int, metavar="PX",
                        help="width of the repaired seam band (default: 1/8 of the shorter side)")


def run(args: argparse.Namespace) -> int:
    from engine.pipelines.estimate import ModelNotAvailable
    from engine.pipelines.inpaint import make_tileable

    try:
        if args.band is not None and args.band < 1:
            raise CommandError("--band must be at least 1 pixel.")
        options = options_from(args, band=args.band)
        maps, folder_input = read_input(args)
        out = check_output(args, folder_input)
        result = run_with_progress("tile", lambda progress, cancel: make_tileable(
            maps, options, progress=progress, cancel=cancel))
        written = write_output(result.maps, out, args.format)
    except CommandError as error:
        return fail("tile", str(error), EXIT_USAGE)
    except (ModelNotAvailable, ValueError, OSError) as error:
        return fail("tile", str(error), EXIT_FAILED)
    return report("tile", result, written)
