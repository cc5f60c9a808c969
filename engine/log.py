"""Configure logging once per process: a rotating file in the log dir plus the console."""

from __future__ import annotations

import logging
import logging.handlers

from engine.paths import log_dir

_configured = False


def setup_logging(verbose: bool = False, process_name: str = "main") -> None:
    """Idempotent: the first call wins; later calls only raise the console level when verbose."""
    global _configured
    root = logging.getLogger()
    console_level = logging.DEBUG if verbose else logging.WARNING
    if _configured:
        for handler in root.handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                handler.setLevel(min(handler.level, console_level))
        return
    _configured = True
    root.setLevel(logging.DEBUG)
    fmt = logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s")
    console = logging.StreamHandler()
    console.setLevel(console_level)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(console)
    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            directory / f"{process_name}.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(fmt)
        root.addHandler(file_handler)
    except OSError as error:  # a read-only home must not stop the app
        logging.getLogger(__name__).warning("cannot write the log file: %s", error)
