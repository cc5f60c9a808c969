"""Teamwork Studio engine: Teamwork diffusion, materials, export and the worker process.

This package never imports Qt (enforced by an import-linter contract and a test).
"""

__version__ = "0.1.0"
