"""Entry script of the frozen Teamwork Studio bundle (the script PyInstaller freezes).

One executable serves three roles:
- the engine worker: the app starts it with ``multiprocessing`` (spawn), which re-runs this executable
  with ``--multiprocessing-fork``; ``freeze_support()`` -- the very first call -- turns that process
  into the worker and exits, so a worker never opens a window;
- the command line (``teamwork-studio estimate ...``) and the desktop app (no arguments), both through
  ``app.main:main``;
- a stand-in for ``python -c CODE``: code that probes something risky in a child process with
  ``[sys.executable, "-c", CODE]`` (``selftest`` does so for OpenGL) keeps working when frozen, where
  ``sys.executable`` is this program rather than a Python interpreter.

``TEAMWORK_STUDIO_SMOKE_QUIT_MS=<ms>`` (packaging smoke test only) closes the app's windows and
quits the Qt event loop that many milliseconds after it starts, printing the visible windows first.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

SMOKE_ENV = "TEAMWORK_STUDIO_SMOKE_QUIT_MS"


def run_code_argument(argv: list[str]) -> int:
    """``-c CODE [ARGS...]`` like ``python -c``: ``sys.argv`` becomes ``["-c", ARGS...]``."""
    if len(argv) < 2:
        sys.stderr.write("teamwork-studio: -c needs the code to run.\n")
        return 2
    code = argv[1]
    sys.argv = ["-c", *argv[2:]]
    exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    return 0


def install_smoke_quit(delay_ms: int) -> None:
    """Make the next ``QApplication.exec()`` report its visible windows and quit after ``delay_ms``."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    original_exec = QApplication.exec

    def exec_then_quit(*args: object) -> int:
        app = QApplication.instance()

        def quit_now() -> None:
            titles = [w.windowTitle() for w in app.topLevelWidgets() if w.isVisible()]
            if sys.stderr is not None:  # None in the console-less Windows executable
                sys.stderr.write(f"smoke: {len(titles)} visible window(s): {titles}; quitting\n")
                sys.stderr.flush()
            app.closeAllWindows()
            app.quit()

        QTimer.singleShot(delay_ms, quit_now)
        return original_exec()  # static in PySide6: app.exec() and QApplication.exec() alike

    QApplication.exec = exec_then_quit  # type: ignore[method-assign]


def main() -> int:
    # First thing: in a spawned worker this runs the worker and exits.
    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    if argv[:1] == ["-c"]:
        return run_code_argument(argv)
    smoke = os.environ.get(SMOKE_ENV, "").strip()
    if smoke:
        install_smoke_quit(int(smoke))
    from app.main import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main())
