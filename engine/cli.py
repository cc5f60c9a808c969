"""The ``teamwork-studio`` command line: one subcommand per module in ``engine/commands``.

Each command module defines ``HELP`` (one line), ``register(parser)`` adding its arguments and
``run(args) -> int`` returning the exit status (0 ok, 1 some inputs failed, 2 usage error).
A command whose module does not exist yet says so and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from types import ModuleType

from engine import __version__
from engine.allocator import keep_freed_memory
from engine.log import setup_logging

COMMANDS = (
    "estimate", "batch", "export", "train", "synth", "models", "selftest", "demo", "inpaint", "tile",
)
EXIT_USAGE = 2

log = logging.getLogger(__name__)


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"engine.commands.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"engine.commands.{name}":
            return None
        raise


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType | None]]:
    parser = argparse.ArgumentParser(
        prog="teamwork-studio",
        description="Turn photos into PBR materials. Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"teamwork-studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to the console")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, ModuleType | None] = {}
    for name in COMMANDS:
        module = _load(name)
        modules[name] = module
        if module is None:
            stub = sub.add_parser(name, help="(not built yet)", add_help=False)
            stub.add_argument("rest", nargs=argparse.REMAINDER)
        else:
            module.register(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on usage errors, 0 on --help
        return int(exit_.code or 0)
    setup_logging(verbose=args.verbose, process_name="cli")
    keep_freed_memory()  # train and the in-process commands allocate like the worker
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    module = modules[args.command]
    if module is None:
        sys.stderr.write(f"teamwork-studio: the '{args.command}' command is not built yet.\n")
        return EXIT_USAGE
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        sys.stderr.write("teamwork-studio: interrupted.\n")
        return 130
