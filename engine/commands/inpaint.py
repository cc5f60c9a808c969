"""``teamwork-studio inpaint INPUT --mask MASK --out OUT``: repair a region of a photo and all its maps.

INPUT is a raw material folder (as ``estimate`` writes it) or a single image. With a folder,
``--photo`` adds the photo (resized to the maps) so it is repaired together with the maps. The mask
is an image, white (or opaque, when it has alpha) where pixels are to be filled. The output is a raw
material folder for a folder input, and an image (``.png``/``.tif``/``.exr``) or folder for an image.

Examples::

    teamwork-studio inpaint materials/wood --photo wood.jpg --mask scratch.png --out materials/wood_fixed
    teamwork-studio inpaint wall.jpg --mask logo.png --out wall_clean.png --model telea
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

HELP = "repair a masked region of a photo and all its material maps at once (joint inpainting)"

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
IMAGE_OUTPUTS = (".png", ".tif", ".tiff", ".exr")


class CommandError(ValueError):
    """A problem with the user's input: one sentence, reported without a traceback."""


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options ``inpaint`` and ``tile`` share."""
    parser.add_argument("input", metavar="INPUT", help="a raw material folder or an image file")
    parser.add_argument("--out", "-o", required=True, metavar="OUT",
                        help="output folder (raw layout), or an image file for an image input")
    parser.add_argument("--photo", metavar="IMAGE", help="the material's photo, repaired with its maps")
    parser.add_argument("--model", default="auto", metavar="auto|embedded|telea|PATH",
                        help="the embedded Teamwork inpainting model (auto: when shipped), OpenCV Telea, "
                             "or a Teamwork inpainting .safetensors (default: auto)")
    parser.add_argument("--base", metavar="DIR", help="local diffusers folder of the model's base")
    parser.add_argument("--steps", type=int, default=20, metavar="N", help="denoising steps (default 20)")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="compute device")
    parser.add_argument("--format", default="png16", choices=("png8", "png16", "tif16", "exr16", "exr32"),
                        help="raw map format of an output folder (default png16)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def register(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--mask", required=True, metavar="IMAGE", help="white where pixels are to be filled")
    parser.add_argument("--margin", type=int, metavar="PX", help="context pixels around the hole")


def _resize(x: np.ndarray, size: tuple[int, int], nearest: bool = False) -> np.ndarray:
    import cv2

    if x.shape[:2] == size:
        return x.reshape(size[0], size[1], -1)
    flag = cv2.INTER_NEAREST if nearest else cv2.INTER_AREA
    out = cv2.resize(x, (size[1], size[0]), interpolation=flag)
    return out.reshape(size[0], size[1], -1).astype(np.float32)


def _read_image(path: str) -> np.ndarray:
    from engine.io import read_image

    try:
        return read_image(path).pixels
    except (OSError, ValueError) as error:
        raise CommandError(str(error).rstrip(".") + ".") from None


def read_input(args: argparse.Namespace) -> tuple[dict[str, np.ndarray], bool]:
    """(maps, whether INPUT is a folder); the photo of ``--photo`` joins the maps as ``image``."""
    from engine.export import read_raw

    source = Path(args.input)
    if not source.exists():
        raise CommandError(f"The input {source} does not exist.")
    if source.is_dir():
        maps = read_raw(source)
        if args.photo:
            size = next(iter(maps.values())).shape[:2]
            maps["image"] = _resize(_read_image(args.photo), size)
        return maps, True
    if args.photo:
        raise CommandError("--photo goes with a material folder; the image input already is the photo.")
    return {"image": _read_image(str(source))}, False


def read_mask(path: str, size: tuple[int, int]) -> np.ndarray:
    from engine.io import read_image

    try:
        data = read_image(path)
    except (OSError, ValueError) as error:
        raise CommandError(f"Cannot read the mask: {str(error).rstrip('.')}.") from None
    mask = data.alpha if data.alpha is not None and data.alpha.min() < 1 else data.pixels.mean(axis=-1)
    return (_resize(mask.astype(np.float32), size, nearest=True)[..., 0] > 0.5).astype(np.float32)


def check_output(args: argparse.Namespace, folder_input: bool) -> Path:
    out = Path(args.out)
    is_image = out.suffix.lower() in IMAGE_OUTPUTS
    if is_image and folder_input:
        raise CommandError("A material folder is written as a folder; give --out a folder, not a file.")
    if out.exists() and not args.overwrite and (is_image or any(out.iterdir())):
        raise CommandError(f"The output {out} already exists; add --overwrite to replace it.")
    if out.exists() and not is_image and not out.is_dir():
        raise CommandError(f"The output {out} is a file, not a folder.")
    return out


def write_output(maps: dict[str, np.ndarray], out: Path, fmt: str) -> str:
    from engine.export.raw import write_raw
    from engine.io.writers import write_image

    if out.suffix.lower() in IMAGE_OUTPUTS:
        image = maps["image"]
        if out.suffix.lower() == ".exr":
            write_image(out, image, bit_depth=32)
        else:
            write_image(out, np.clip(image, 0, 1), bit_depth=16, srgb=True)
        return str(out)
    write_raw(maps, out, fmt)
    return f"{len(maps)} maps in {out}"


def options_from(args: argparse.Namespace, **extra):
    from engine.pipelines.inpaint import InpaintOptions

    if args.steps < 1:
        raise CommandError("--steps must be at least 1.")
    return InpaintOptions(model=args.model, base=args.base, steps=args.steps, seed=args.seed,
                          device=args.device, **extra)


def run_with_progress(name: str, operation) -> object:
    """Run ``operation(progress, cancel)`` with a progress bar; Ctrl+C cancels within one step."""
    from tqdm import tqdm

    from engine.progress import Cancelled, CancelToken

    cancel = CancelToken()
    bar = tqdm(total=1, desc=name, unit="step", leave=False, disable=None, file=sys.stderr)

    def progress(step: int, total: int) -> None:
        bar.total = total
        bar.n = step
        bar.refresh()

    try:
        return operation(progress, cancel)
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    except Cancelled:
        raise KeyboardInterrupt from None
    finally:
        bar.close()


def fail(command: str, message: str, code: int) -> int:
    sys.stderr.write(f"teamwork-studio {command}: {message}\n")
    return code


def report(command: str, result, written: str) -> int:
    for warning in result.warnings:
        sys.stderr.write(f"teamwork-studio {command}: {warning}\n")
    method = "the Teamwork model" if result.method == "teamwork" else f"OpenCV {result.method.title()}"
    sys.stdout.write(f"Wrote {written} ({method}, {result.timings.get('total', 0):.1f} s).\n")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from engine.pipelines.estimate import ModelNotAvailable
    from engine.pipelines.inpaint import inpaint

    try:
        options = options_from(args, margin=args.margin)
        maps, folder_input = read_input(args)
        out = check_output(args, folder_input)
        mask = read_mask(args.mask, next(iter(maps.values())).shape[:2])
        if not mask.any():
            raise CommandError("The mask is empty: paint white where pixels are to be filled.")
        result = run_with_progress("inpaint", lambda progress, cancel: inpaint(
            maps, mask, options, progress=progress, cancel=cancel))
        written = write_output(result.maps, out, args.format)
    except CommandError as error:
        return fail("inpaint", str(error), EXIT_USAGE)
    except (ModelNotAvailable, ValueError, OSError) as error:
        return fail("inpaint", str(error), EXIT_FAILED)
    return report("inpaint", result, written)
