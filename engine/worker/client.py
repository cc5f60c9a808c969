"""Qt-free client of the engine worker process, shared by the CLI and the desktop app.

The worker is a separate process (``spawn`` start method, so it also works in a PyInstaller bundle
whose entry point calls ``multiprocessing.freeze_support()``). It runs one job at a time from a
queue and keeps the loaded model warm between jobs. Photos and maps travel through shared memory.

Usage::

    from engine.worker.client import WorkerClient, JobResult, JobError

    def on_progress(job_id: int, step: int, total: int, stage: str) -> None: ...
    def on_result(job_id: int, result: JobResult) -> None:   # result.arrays: name -> np.ndarray
        maps, info = result.arrays, result.payload               # payload: task, model, timings, warnings
    def on_error(job_id: int, error: JobError) -> None:      # error.message: one sentence for the user
        ...                                                  # error.kind: failed | cancelled | crashed
                                                             #   | model_not_available | bad_request
    def on_log(level: int, logger: str, message: str) -> None: ...

    client = WorkerClient(on_progress=on_progress, on_result=on_result, on_error=on_error, on_log=on_log)
    client.start()                       # returns at once; the worker boots in the background
    client.load_model({"task": "svbrdf", "model": "embedded", "device": "auto"})   # optional warm-up
    job = client.estimate(photo, {"task": "svbrdf", "steps": 20, "seed": 0}, label="wood.jpg")
    client.cancel(job)                   # stops within one denoising step -> on_error(kind="cancelled")
    client.wait(job, timeout=60)         # optional blocking wait (CLI); the GUI uses the callbacks
    client.shutdown()

    # blocking helper: returns the JobResult or raises JobFailed(error)
    result = client.run("diag.echo", arrays={"x": photo}, params={"scale": 2.0})

Callbacks run on the client's background reader thread, never on the caller's thread: a GUI must
hand them over to its own thread (``app/qt_worker_bridge.py`` emits Qt signals from them). Keep
callbacks short and never call :meth:`WorkerClient.wait` from inside one.

Crashes: if the worker process dies (any signal, exit, broken pipe) or stops sending heartbeats,
the job it was running gets ``on_error`` with kind ``"crashed"`` and a sentence such as
"the engine worker crashed (killed by signal 9) while processing big.png". Queued jobs are not lost:
the worker is restarted and they are sent again. With nothing queued, the restart happens on the
next request. Shared-memory blocks of the crashed job are removed.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np

from engine.worker import protocol as p
from engine.worker import shm

log = logging.getLogger(__name__)
remote_log = logging.getLogger("engine.worker.remote")

ProgressHandler = Callable[[int, int, int, str], None]


@dataclass
class JobResult:
    payload: dict[str, Any]
    arrays: dict[str, np.ndarray]


@dataclass
class JobError:
    message: str
    kind: str = "failed"


class JobFailed(Exception):
    """Raised by :meth:`WorkerClient.run` when a job ends in an error."""

    def __init__(self, error: JobError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class _Job:
    job_id: int
    request: p.Message
    label: str
    blocks: list[Any] = field(default_factory=list)  # input blocks this client owns
    out_prefix: str = ""
    started: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    outcome: JobResult | JobError | None = None


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped responding"
    if exitcode < 0:
        return f"killed by signal {-exitcode}"
    if exitcode == 0:
        return "exited unexpectedly"
    return f"exit code {exitcode}"


def _cleanup(process: Any, jobs: dict[int, _Job]) -> None:
    """Finaliser: kill the worker and remove every block we own (runs at exit or on collection)."""
    if process is not None and process.is_alive():
        process.kill()
    for job in list(jobs.values()):
        for block in job.blocks:
            shm.release(block, unlink=True)
        if job.out_prefix:
            shm.unlink_prefix(job.out_prefix)


class WorkerClient:
    """Start, feed and supervise one engine worker process (see the module docstring)."""

    def __init__(
        self,
        on_progress: ProgressHandler | None = None,
        on_result: Callable[[int, JobResult], None] | None = None,
        on_error: Callable[[int, JobError], None] | None = None,
        on_log: Callable[[int, str, str], None] | None = None,
        *,
        heartbeat_timeout: float = 60.0,
        start_timeout: float = 120.0,
        heartbeat_s: float = 0.5,
        max_restarts: int = 3,
    ) -> None:
        self.on_progress = on_progress
        self.on_result = on_result
        self.on_error = on_error
        self.on_log = on_log
        self.heartbeat_timeout = heartbeat_timeout
        self.start_timeout = start_timeout
        self.heartbeat_s = heartbeat_s
        self.max_restarts = max_restarts
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._process: Any = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        self._generation = 0
        self._greeted = False
        self._crashes_without_progress = 0
        self._closed = False
        self._pongs: dict[int, threading.Event] = {}
        self._finished: dict[int, _Job] = {}  # recent jobs, so outcome() works after the callback
        self.worker_pid: int | None = None
        self._finalizer = weakref.finalize(self, _cleanup, None, self._jobs)

    # ------------------------------------------------------------------ lifecycle
    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        """Start the worker if it is not running (returns at once)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this worker client was shut down")
            if self.alive:
                return
            parent, child = self._ctx.Pipe(duplex=True)
            from engine.worker.server import worker_main

            process = self._ctx.Process(
                target=worker_main,
                args=(child, {"heartbeat_s": self.heartbeat_s}),
                name="teamwork-engine",
                daemon=True,
            )
            process.start()
            child.close()
            self._process, self._conn = process, parent
            self._greeted = False
            self._generation += 1
            self._finalizer.detach()
            self._finalizer = weakref.finalize(self, _cleanup, process, self._jobs)
            self._reader = threading.Thread(
                target=self._read_loop,
                args=(process, parent, self._generation),
                name="worker-client",
                daemon=True,
            )
            self._reader.start()
            log.info("engine worker started (pid %s)", process.pid)

    def restart(self) -> None:
        """Stop the worker (killing a running job, reported as crashed) and start a fresh one."""
        with self._lock:
            process = self._process
        if process is not None and process.is_alive():
            process.kill()
            process.join(5)
        self._wait_reader()
        self.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the worker; unfinished jobs end with kind "cancelled". Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            process, conn = self._process, self._conn
        if process is not None and process.is_alive():
            try:
                self._send(p.Shutdown())
            except OSError:
                pass
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join(timeout)
        self._wait_reader()
        if conn is not None:
            conn.close()
        for job in list(self._jobs.values()):
            self._finish(job, JobError("the engine worker was shut down", "cancelled"))
        self._finalizer()

    def __enter__(self) -> WorkerClient:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def _wait_reader(self) -> None:
        reader = self._reader
        if reader is not None and reader is not threading.current_thread():
            reader.join(10)

    # ------------------------------------------------------------------ requests
    def submit(
        self,
        job: str,
        params: Mapping[str, Any] | None = None,
        arrays: Mapping[str, np.ndarray] | None = None,
        label: str = "",
    ) -> int:
        """Queue the registered job ``job`` (see ``engine.worker.jobs``); returns its job id."""
        job_id = next(self._ids)
        record = _Job(job_id=job_id, request=p.Shutdown(), label=label, out_prefix=shm.new_prefix(job_id))
        refs = self._share(record, arrays or {})
        record.request = p.RunJob(
            job_id=job_id,
            job=job,
            params=dict(params or {}),
            arrays=refs,
            label=label,
            out_prefix=record.out_prefix,
        )
        return self._enqueue(record)

    def estimate(self, photo: np.ndarray, options: Mapping[str, Any] | Any, label: str = "") -> int:
        """Queue an estimation of ``photo`` (HxWx3 float32 linear RGB); options: EstimateOptions or dict."""
        job_id = next(self._ids)
        record = _Job(job_id=job_id, request=p.Shutdown(), label=label, out_prefix=shm.new_prefix(job_id))
        refs = self._share(record, {"photo": np.ascontiguousarray(photo, dtype=np.float32)})
        record.request = p.Estimate(
            job_id=job_id,
            photo=refs["photo"],
            options=_options_dict(options),
            label=label,
            out_prefix=record.out_prefix,
        )
        return self._enqueue(record)

    def load_model(self, options: Mapping[str, Any] | Any) -> int:
        """Queue loading the model these options use, so the first estimate starts warm."""
        job_id = next(self._ids)
        record = _Job(
            job_id=job_id, request=p.LoadModel(job_id=job_id, options=_options_dict(options)), label=""
        )
        return self._enqueue(record)

    def inpaint(
        self,
        maps: Mapping[str, np.ndarray],
        mask: np.ndarray,
        options: Mapping[str, Any] | Any | None = None,
        label: str = "",
    ) -> int:
        """Queue joint inpainting (job ``inpaint``) of ``maps`` (name -> HxWxC float32, one size) where
        ``mask`` (HxW, 1 = fill) is set; options: InpaintOptions or dict. The result's arrays are
        ``map:<name>``; its payload ``{method, warnings, timings}``."""
        arrays = {f"map:{name}": np.ascontiguousarray(x, dtype=np.float32) for name, x in maps.items()}
        arrays["mask"] = np.ascontiguousarray(mask, dtype=np.float32)
        return self.submit("inpaint", _options_dict(options or {}), arrays, label)

    def make_tileable(self, maps: Mapping[str, np.ndarray], options: Mapping[str, Any] | Any | None = None,
                      label: str = "") -> int:
        """Queue Make tileable (job ``make_tileable``) of ``maps``; same result layout as :meth:`inpaint`."""
        arrays = {f"map:{name}": np.ascontiguousarray(x, dtype=np.float32) for name, x in maps.items()}
        return self.submit("make_tileable", _options_dict(options or {}), arrays, label)

    def cancel(self, job_id: int) -> None:
        """Ask the worker to stop ``job_id``; it ends with on_error(kind="cancelled")."""
        with self._lock:
            if job_id not in self._jobs:
                return
        try:
            self._send(p.Cancel(job_id=job_id))
        except OSError:
            pass

    def ping(self, timeout: float = 10.0) -> float:
        """Round-trip time to the worker in seconds (starts it if needed); raises TimeoutError."""
        self.start()
        token = next(self._ids)
        event = threading.Event()
        self._pongs[token] = event
        started = time.perf_counter()
        try:
            self._send(p.Ping(token=token))
            if not event.wait(timeout):
                raise TimeoutError(f"the engine worker did not answer within {timeout:g} s")
        finally:
            self._pongs.pop(token, None)
        return time.perf_counter() - started

    def wait(self, job_id: int | None = None, timeout: float | None = None) -> bool:
        """Block until ``job_id`` (or every queued job) has finished; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            jobs = (
                [self._jobs[job_id]]
                if job_id is not None and job_id in self._jobs
                else ([] if job_id is not None else list(self._jobs.values()))
            )
        for job in jobs:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not job.done.wait(left):
                return False
        return True

    def run(
        self,
        job: str,
        params: Mapping[str, Any] | None = None,
        arrays: Mapping[str, np.ndarray] | None = None,
        label: str = "",
        timeout: float | None = None,
    ) -> JobResult:
        """Submit ``job`` and block for its result; raises JobFailed on error, TimeoutError on timeout."""
        job_id = self.submit(job, params, arrays, label)
        return self.outcome(job_id, timeout)

    def outcome(self, job_id: int, timeout: float | None = None) -> JobResult:
        """Block until ``job_id`` ends; its JobResult, or JobFailed / TimeoutError."""
        with self._lock:
            record = self._jobs.get(job_id) or self._finished.get(job_id)
        if record is None:
            raise KeyError(f"unknown job {job_id}")
        if not record.done.wait(timeout):
            self.cancel(job_id)
            raise TimeoutError(f"job {job_id} did not finish within {timeout} s")
        with self._lock:
            self._finished.pop(job_id, None)
        if isinstance(record.outcome, JobResult):
            return record.outcome
        raise JobFailed(record.outcome or JobError("unknown failure"))

    # ------------------------------------------------------------------ internals
    def _share(self, record: _Job, arrays: Mapping[str, np.ndarray]) -> dict[str, p.ArrayRef]:
        refs = {}
        try:
            for index, (key, array) in enumerate(arrays.items()):
                block, ref = shm.create(np.ascontiguousarray(array), f"{record.out_prefix}i{index}")
                record.blocks.append(block)
                refs[key] = ref
        except BaseException:
            for block in record.blocks:
                shm.release(block, unlink=True)
            raise
        return refs

    def _enqueue(self, record: _Job) -> int:
        with self._lock:
            if self._closed:
                for block in record.blocks:
                    shm.release(block, unlink=True)
                raise RuntimeError("this worker client was shut down")
            self._jobs[record.job_id] = record
            self._finished[record.job_id] = record
            while len(self._finished) > 256:
                self._finished.pop(next(iter(self._finished)))
        self.start()
        try:
            self._send(record.request)
        except OSError:
            log.info("the worker pipe is broken; the job will be resent after the restart")
        return record.job_id

    def _send(self, message: p.Message) -> None:
        data = p.encode(message)
        with self._send_lock:
            conn = self._conn
            if conn is None:
                raise OSError("the engine worker is not running")
            conn.send_bytes(data)

    def _read_loop(self, process: Any, conn: Connection, generation: int) -> None:
        last = time.monotonic()
        reason = None
        while True:
            timeout = self.heartbeat_timeout if self._greeted else self.start_timeout
            try:
                ready = wait([conn, process.sentinel], timeout=min(self.heartbeat_s * 2, 1.0))
            except OSError:
                ready = [process.sentinel]
            if conn in ready:
                try:
                    data = conn.recv_bytes()
                except (EOFError, OSError):
                    process.join(2)  # the pipe broke: give the process a moment to report its exit
                    if process.is_alive():
                        reason = "broken pipe"
                        process.kill()
                        process.join(5)
                        break
                else:
                    last = time.monotonic()
                    self._handle_bytes(data)
                    continue
            if not process.is_alive():
                process.join(5)
                reason = describe_exit(process.exitcode)
                break
            if time.monotonic() - last > timeout:
                reason = f"stopped responding for {timeout:g} s"
                log.error("the engine worker %s; killing it", reason)
                process.kill()
                process.join(5)
                break
        with self._lock:
            closing = self._closed
        if not closing:
            self._on_crash(reason or "exited unexpectedly", generation)

    def _handle_bytes(self, data: bytes) -> None:
        """Decode and dispatch one event; malformed data is logged and dropped, never raised."""
        try:
            message = p.decode(data)
        except p.ProtocolError as error:
            log.warning("ignoring a malformed message from the engine worker: %s", error)
            return
        try:
            self._handle(message)
        except Exception:  # noqa: BLE001 - a failing callback must not kill the reader
            log.exception("error while handling a %s message from the engine worker", message.TYPE)

    def _handle(self, message: p.Message) -> None:
        if isinstance(message, p.Hello):
            self._greeted = True
            self.worker_pid = message.pid
            if message.version != p.PROTOCOL_VERSION:
                log.error(
                    "the engine worker speaks protocol %s, expected %s", message.version, p.PROTOCOL_VERSION
                )
        elif isinstance(message, p.Heartbeat):
            pass
        elif isinstance(message, p.Pong):
            event = self._pongs.get(message.token)
            if event:
                event.set()
        elif isinstance(message, p.Log):
            if self.on_log:
                self.on_log(message.level, message.logger, message.message)
            else:
                remote_log.log(message.level, "[%s] %s", message.logger, message.message)
        elif isinstance(message, p.Started):
            with self._lock:
                job = self._jobs.get(message.job_id)
                if job:
                    job.started = True
                    self._crashes_without_progress = 0
        elif isinstance(message, p.Progress):
            if self.on_progress and message.job_id in self._jobs:
                self.on_progress(message.job_id, message.step, message.total, message.stage)
        elif isinstance(message, p.Result):
            job = self._jobs.get(message.job_id)
            arrays = {}
            try:
                for key, ref in message.arrays.items():
                    arrays[key] = shm.read_copy(ref, unlink=True)
            except (OSError, ValueError, p.ProtocolError) as error:
                if job:
                    self._finish(job, JobError(f"the engine result could not be read ({error})"))
                return
            if job:
                self._finish(job, JobResult(payload=dict(message.payload), arrays=arrays))
        elif isinstance(message, p.Error):
            job = self._jobs.get(message.job_id)
            if job:
                self._finish(job, JobError(message.message, message.kind))
            else:
                log.warning("engine worker: %s", message.message)
        else:
            log.warning("unexpected %s message from the engine worker", message.TYPE)

    def _finish(self, job: _Job, outcome: JobResult | JobError) -> None:
        with self._lock:
            if self._jobs.pop(job.job_id, None) is None:
                return
        for block in job.blocks:
            shm.release(block, unlink=True)
        job.blocks.clear()
        if job.out_prefix:
            shm.unlink_prefix(job.out_prefix)
        job.outcome = outcome
        job.done.set()
        if isinstance(outcome, JobResult):
            if self.on_result:
                self.on_result(job.job_id, outcome)
        elif self.on_error:
            self.on_error(job.job_id, outcome)

    def _on_crash(self, reason: str, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self._process = None
            conn, self._conn = self._conn, None
            running = [job for job in self._jobs.values() if job.started]
            waiting = [job for job in self._jobs.values() if not job.started]
            if not running:
                self._crashes_without_progress += 1
            give_up = self._crashes_without_progress > self.max_restarts
        if conn is not None:
            conn.close()
        log.error("the engine worker stopped: %s", reason)
        for job in running:
            where = f" while processing {job.label}" if job.label else ""
            self._finish(job, JobError(f"the engine worker crashed ({reason}){where}.", "crashed"))
        if give_up:
            for job in waiting:
                self._finish(job, JobError(f"the engine worker cannot start ({reason}).", "crashed"))
            return
        if waiting:
            self.start()
            for job in waiting:
                try:
                    self._send(job.request)
                except OSError:
                    break


def _options_dict(options: Mapping[str, Any] | Any) -> dict[str, Any]:
    if is_dataclass(options) and not isinstance(options, type):
        options = asdict(options)
    return {str(k): (str(v) if hasattr(v, "__fspath__") else v) for k, v in dict(options).items()}


__all__ = ["WorkerClient", "JobResult", "JobError", "JobFailed", "describe_exit"]
