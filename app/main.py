"""Entry point of ``teamwork-studio``: no arguments opens the app, a subcommand runs the CLI."""

from __future__ import annotations

import multiprocessing
import os
import sys


def has_display() -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or (
        os.environ.get("QT_QPA_PLATFORM", "") not in ("", "xcb")
    )


def main(argv: list[str] | None = None) -> int:
    # First thing: in a frozen bundle a spawned worker must not start the GUI again.
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_cli(argv):
        from engine.cli import main as cli_main

        return cli_main(argv)
    from app.gui import run_gui

    return run_gui([a for a in argv if a != "--gui"])


def wants_cli(argv: list[str]) -> bool:
    """A subcommand, --help or --version selects the CLI; anything else opens the app."""
    from engine.cli import COMMANDS

    return any(a in COMMANDS or a in ("-h", "--help", "--version") for a in argv)


if __name__ == "__main__":
    sys.exit(main())
