"""Numpy arrays in named shared-memory blocks, with deterministic names so that a crash never leaks one.

Ownership rule: the **client** unlinks every block. It creates input blocks itself and tells the
worker a name prefix for result blocks; the worker names its results ``<prefix>_0``, ``<prefix>_1``, …
in order, so after a worker crash the client unlinks ``<prefix>_i`` for i = 0, 1, … until none is
left (:func:`unlink_prefix`). If the client itself dies, Python's resource tracker (shared by the
spawned worker) unlinks whatever is still registered.
"""

from __future__ import annotations

import logging
import os
import secrets
from multiprocessing import shared_memory

import numpy as np

from engine.worker.protocol import ALLOWED_DTYPES, ArrayRef

log = logging.getLogger(__name__)

# macOS limits POSIX shared-memory names to 31 characters: keep every name well below.
_SESSION = f"tw{os.getpid() % 100000:05d}{secrets.token_hex(2)}"
MAX_RESULT_BLOCKS = 256


def new_prefix(job_id: int) -> str:
    """A short name prefix unique to this client process and job."""
    return f"{_SESSION}j{job_id}"


def create(array: np.ndarray, name: str) -> tuple[shared_memory.SharedMemory, ArrayRef]:
    """Copy ``array`` into a new block called ``name`` (one copy); the caller owns the block."""
    array = np.asarray(array)
    dtype = array.dtype.name
    if dtype not in ALLOWED_DTYPES:
        array = array.astype(np.float32)
        dtype = "float32"
    block = shared_memory.SharedMemory(name=name, create=True, size=max(1, array.nbytes))
    try:
        view = np.ndarray(array.shape, dtype=array.dtype, buffer=block.buf)
        view[...] = array
        del view
    except BaseException:
        release(block, unlink=True)
        raise
    return block, ArrayRef(shm_name=name, shape=tuple(int(d) for d in array.shape), dtype=dtype)


def attach(ref: ArrayRef) -> tuple[shared_memory.SharedMemory, np.ndarray]:
    """Map an existing block; returns the block and a zero-copy array view onto it."""
    block = shared_memory.SharedMemory(name=ref.shm_name, create=False)
    dtype = np.dtype(ref.dtype)
    needed = int(np.prod(ref.shape, dtype=np.int64)) * dtype.itemsize
    if needed > block.size:
        release(block, unlink=False)
        raise ValueError(f"shared block {ref.shm_name} is smaller than the array it should hold")
    return block, np.ndarray(ref.shape, dtype=dtype, buffer=block.buf)


def read_copy(ref: ArrayRef, unlink: bool = True) -> np.ndarray:
    """Copy an array out of its block (one copy), then close and by default unlink the block."""
    block, view = attach(ref)
    try:
        out = np.array(view, copy=True)
    finally:
        del view
        release(block, unlink=unlink)
    return out


def release(block: shared_memory.SharedMemory | None, unlink: bool) -> None:
    """Close (and optionally unlink) a block, tolerating blocks already gone or still viewed."""
    if block is None:
        return
    try:
        block.close()
    except BufferError:  # a numpy view is still alive: the mapping goes away with it
        log.debug("shared block %s still has views; leaving the mapping to the garbage collector", block.name)
    if unlink:
        unlink_name(block.name)


def unlink_name(name: str) -> bool:
    """Remove the block ``name`` if it exists; returns whether it existed."""
    try:
        block = shared_memory.SharedMemory(name=name.lstrip("/"), create=False)
    except (FileNotFoundError, ValueError):
        return False
    except OSError as error:
        log.warning("cannot open shared block %s to remove it: %s", name, error)
        return False
    try:
        block.close()
    finally:
        try:
            block.unlink()
        except FileNotFoundError:
            return False
    return True


def unlink_prefix(prefix: str, limit: int = MAX_RESULT_BLOCKS) -> int:
    """Remove result blocks ``<prefix>_0 … <prefix>_k`` left by a worker; returns how many existed."""
    removed = 0
    misses = 0
    for index in range(limit):
        if unlink_name(f"{prefix}_{index}"):
            removed += 1
            misses = 0
        else:
            misses += 1
            if misses >= 2:
                break
    return removed


def leftover_blocks(prefix: str = _SESSION) -> list[str]:
    """Blocks whose names start with ``prefix`` (Linux only: lists /dev/shm; [] elsewhere)."""
    try:
        return sorted(name for name in os.listdir("/dev/shm") if name.startswith(prefix))
    except OSError:
        return []
