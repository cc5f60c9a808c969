"""``teamwork-studio models list|info|download``: the embedded model and local Teamwork checkpoints.

``download`` is the only command that touches the network, and only when asked: it fetches an
official release checkpoint from the Hugging Face repo through ``huggingface_hub`` into the local
model folder (``<cache dir>/models``), with a clear message when offline.

Examples::

    teamwork-studio models list
    teamwork-studio models info ~/ckpt/colocated_svbrdf_estimation_sdxl_256.safetensors
    teamwork-studio models download colocated_svbrdf_estimation_sdxl_256
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import sys
from pathlib import Path
from typing import Any

from engine.paths import cache_dir

HELP = "list, inspect or download Teamwork models"

RELEASE_REPO = "samsartor/teamwork-release"
RELEASE_FILES = (
    "decomposition_heterogeneous_sd3.safetensors",
    "colocated_svbrdf_estimation_sdxl_256.safetensors",
    "colocated_svbrdf_estimation_flux_512.safetensors",
)
MAX_HEADER_BYTES = 100 * 1024 * 1024


def models_dir() -> Path:
    return cache_dir() / "models"


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the embedded model and the local checkpoints")
    listing.add_argument("--dir", type=Path, action="append", default=[], help="also list this folder")
    info = sub.add_parser("info", help="metadata of a checkpoint (a path or a name from 'list')")
    info.add_argument("model", metavar="NAME|PATH")
    download = sub.add_parser("download", help="fetch an official release checkpoint (needs the network)")
    download.add_argument(
        "name", nargs="?", help=f"one of: {', '.join(f.removesuffix('.safetensors') for f in RELEASE_FILES)}"
    )
    download.add_argument("--repo", default=RELEASE_REPO, help="Hugging Face repo id")
    download.add_argument("--revision", help="branch, tag or commit")
    download.add_argument("--all", action="store_true", help="fetch every release checkpoint")


class CheckpointError(ValueError):
    pass


def read_header(path: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """(string metadata, tensor table) of a .safetensors file, reading only its header."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(8)
            if len(raw) < 8:
                raise CheckpointError(f"{path} is not a safetensors file (too short)")
            (length,) = struct.unpack("<Q", raw)
            if length > MAX_HEADER_BYTES:
                raise CheckpointError(f"{path} is not a safetensors file (header size {length})")
            header = json.loads(handle.read(length).decode("utf-8"))
    except CheckpointError:
        raise
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, ValueError):
        raise CheckpointError(f"{path} is not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path} is not a safetensors file")
    metadata = header.pop("__metadata__", {}) or {}
    return {str(k): str(v) for k, v in metadata.items()}, header


def embedded_models() -> dict[str, bool]:
    """Task name -> whether trained embedded adapters for it ship with this build."""
    from engine.pipelines.estimate import embedded_model_available
    from engine.tasks import INTRINSIC, SVBRDF

    return {task.name: embedded_model_available(task.name) for task in (SVBRDF, INTRINSIC)}


def local_checkpoints(extra: list[Path]) -> list[Path]:
    found: list[Path] = []
    for folder in [models_dir(), *extra]:
        if folder.is_dir():
            found.extend(sorted(folder.glob("*.safetensors")))
    return found


def resolve(model: str) -> Path:
    path = Path(model).expanduser()
    if path.exists():
        return path
    for candidate in (models_dir() / model, models_dir() / f"{model}.safetensors"):
        if candidate.exists():
            return candidate
    raise CheckpointError(f"no model called {model!r} (not a file, and not in {models_dir()})")


def _list(args: argparse.Namespace) -> int:
    out = sys.stdout
    for task, shipped in embedded_models().items():
        status = "shipped with this build" if shipped else "not shipped with this build yet"
        out.write(f"embedded {task}: {status}\n")
    checkpoints = local_checkpoints(args.dir)
    if not checkpoints:
        out.write(f"no local checkpoints in {models_dir()} (see 'teamwork-studio models download')\n")
    for path in checkpoints:
        try:
            metadata, tensors = read_header(path)
            teammates = metadata.get("teamwork.teammates", "?")
            out.write(
                f"{path.stem}: {path.stat().st_size / 1e6:.1f} MB, base {metadata.get('base_model', '?')}, "
                f"teammates {teammates} ({path})\n"
            )
        except CheckpointError as error:
            out.write(f"{path.stem}: unreadable ({error})\n")
    return 0


def _info(args: argparse.Namespace) -> int:
    try:
        path = resolve(args.model)
        metadata, tensors = read_header(path)
    except CheckpointError as error:
        sys.stderr.write(f"teamwork-studio models: {error}.\n")
        return 1
    out = sys.stdout
    out.write(f"file: {path}\nsize: {path.stat().st_size:,} bytes\ntensors: {len(tensors)}\n")
    kind = metadata.get("modelspec.type", "")
    if kind != "teamwork":
        out.write("note: this is not a Teamwork checkpoint (modelspec.type is not 'teamwork')\n")
    for key in sorted(metadata):
        out.write(f"{key}: {metadata[key]}\n")
    return 0


def _hf_download(repo: str, filename: str, revision: str | None, local_dir: Path) -> Path:
    from huggingface_hub import hf_hub_download

    return Path(hf_hub_download(repo_id=repo, filename=filename, revision=revision, local_dir=str(local_dir)))


def _offline(error: BaseException) -> bool:
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(
        names
        & {
            "LocalEntryNotFoundError",
            "OfflineModeIsEnabled",
            "ConnectionError",
            "ConnectError",
            "Timeout",
            "TimeoutException",
            "ConnectTimeout",
        }
    )


def _download(args: argparse.Namespace) -> int:
    if args.all:
        files = list(RELEASE_FILES)
    elif args.name:
        name = args.name if args.name.endswith(".safetensors") else f"{args.name}.safetensors"
        files = [name]
    else:
        sys.stderr.write(
            "teamwork-studio models download: name a checkpoint or pass --all; release files: "
            f"{', '.join(RELEASE_FILES)}.\n"
        )
        return 2
    target = models_dir()
    target.mkdir(parents=True, exist_ok=True)
    failed = 0
    for filename in files:
        sys.stderr.write(f"downloading {filename} from {args.repo} ...\n")
        try:
            path = _hf_download(args.repo, filename, args.revision, target)
        except Exception as error:  # noqa: BLE001 - every failure becomes one sentence
            failed += 1
            if _offline(error):
                reason = "there is no connection to huggingface.co (offline, or HF_HUB_OFFLINE is set)"
            else:
                reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            sys.stderr.write(f"teamwork-studio models: cannot download {filename}: {reason}.\n")
            continue
        final = target / filename
        if path.resolve() != final.resolve():
            shutil.copyfile(path, final)
        sys.stdout.write(f"{final}\n")
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "info": _info, "download": _download}[args.models_command](args)
