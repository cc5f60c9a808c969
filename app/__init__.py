"""Teamwork Studio desktop application (PySide6). Talks to the engine only through the worker client."""
