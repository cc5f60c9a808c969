"""The engine worker process: one job at a time from a queue, heartbeats, logs forwarded to the client.

Threads inside the worker:
- the *reader* decodes requests; it answers Ping at once, sets the cancel token of the running job,
  drops cancelled queued jobs and queues everything else;
- the *main* thread runs queued jobs one by one (jobs are generators: cancel is checked between
  yields, see ``engine.worker.jobs``);
- the *heartbeat* thread sends a Heartbeat every ``heartbeat_s`` so the client can tell a wedged
  worker from a busy one.
Tracebacks go to the worker's log file (and to the client as DEBUG log lines); errors carry one
sentence for the user. When the client goes away (EOF on the pipe) the worker exits.
"""

from __future__ import annotations

import inspect
import logging
import logging.handlers
import os
import queue
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from engine.allocator import keep_freed_memory
from engine.progress import Cancelled, CancelToken
from engine.worker import protocol as p
from engine.worker import shm
from engine.worker.jobs import JobContext, JobOutput, resolve

log = logging.getLogger(__name__)

HEARTBEAT_S = 0.5
_STOP = object()


class _Forwarder(logging.Handler):
    """Sends log records to the client as Log events."""

    def __init__(self, server: WorkerServer, level: int) -> None:
        super().__init__(level)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.levelno >= logging.ERROR:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            self.server.send(p.Log(level=record.levelno, logger=record.name, message=message))
        except Exception:  # noqa: BLE001 - logging must never raise
            pass


def user_message(error: BaseException, label: str) -> tuple[str, str]:
    """(one sentence for the user, error kind) for an exception raised by a job."""
    name = type(error).__name__
    text = (str(error).strip().splitlines() or [""])[0]
    if name in ("ModelNotAvailable", "PipelineNotAvailable"):
        return text or "the embedded model is not available in this build.", "model_not_available"
    where = f" while processing {label}" if label else ""
    if isinstance(error, MemoryError):
        return f"not enough memory{where}; try a smaller --max-size.", "failed"
    if isinstance(error, ValueError | LookupError | FileNotFoundError | PermissionError) and text:
        return text, "failed"
    detail = f" ({name}: {text})" if text else f" ({name})"
    return f"the engine failed{where}{detail}; details are in the log.", "failed"


class WorkerServer:
    def __init__(self, conn: Connection, heartbeat_s: float = HEARTBEAT_S) -> None:
        self.conn = conn
        self.heartbeat_s = heartbeat_s
        self._send_lock = threading.Lock()
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()
        self._current: tuple[int, CancelToken] | None = None
        self._stopping = threading.Event()
        self.state: dict[str, Any] = {}  # warm objects (the model cache) shared by all jobs

    # ------------------------------------------------------------------ plumbing
    def send(self, message: p.Message) -> None:
        data = p.encode(message)
        with self._send_lock:
            try:
                self.conn.send_bytes(data)
            except (OSError, ValueError):  # client gone: stop quietly
                self._stopping.set()

    def _heartbeat(self) -> None:
        while not self._stopping.wait(self.heartbeat_s):
            if self.state.get("heartbeat_paused"):
                continue
            current = self._current
            self.send(p.Heartbeat(busy_job=current[0] if current else -1))

    def _reader(self) -> None:
        while not self._stopping.is_set():
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                log.info("the client closed the connection; stopping")
                self._stop()
                return
            try:
                message = p.decode(data)
            except p.ProtocolError as error:
                log.warning("ignoring a malformed request: %s", error)
                self.send(p.Error(job_id=-1, message=f"malformed request: {error}", kind="bad_request"))
                continue
            self._dispatch(message)

    def _dispatch(self, message: p.Message) -> None:
        if isinstance(message, p.Ping):
            self.send(p.Pong(token=message.token))
        elif isinstance(message, p.Cancel):
            with self._lock:
                current = self._current
                if current and current[0] == message.job_id:
                    current[1].cancel()
                else:
                    self._cancelled.add(message.job_id)
        elif isinstance(message, p.Shutdown):
            self._stop()
        elif isinstance(message, p.LoadModel | p.Estimate | p.RunJob):
            self._jobs.put(message)
        else:
            self.send(p.Error(job_id=-1, message=f"unexpected {message.TYPE} request", kind="bad_request"))

    def _stop(self) -> None:
        self._stopping.set()
        with self._lock:
            if self._current:
                self._current[1].cancel()
        self._jobs.put(_STOP)

    # ------------------------------------------------------------------ jobs
    def serve(self) -> None:
        threading.Thread(target=self._reader, name="worker-reader", daemon=True).start()
        threading.Thread(target=self._heartbeat, name="worker-heartbeat", daemon=True).start()
        self.send(p.Hello(version=p.PROTOCOL_VERSION, pid=os.getpid()))
        while True:
            message = self._jobs.get()
            if message is _STOP:
                break
            self.run(message)
        log.info("worker stopping")

    def run(self, message: p.LoadModel | p.Estimate | p.RunJob) -> None:
        job_id = message.job_id
        with self._lock:
            if job_id in self._cancelled or self._stopping.is_set():
                self._cancelled.discard(job_id)
                self.send(p.Error(job_id=job_id, message="cancelled", kind="cancelled"))
                return
            token = CancelToken()
            self._current = (job_id, token)
        if isinstance(message, p.Estimate):
            name, params, refs = "estimate", message.options, {"photo": message.photo}
            label, prefix = message.label, message.out_prefix
        elif isinstance(message, p.LoadModel):
            name, params, refs, label, prefix = "load_model", message.options, {}, "", ""
        else:
            name, params, refs = message.job, message.params, message.arrays
            label, prefix = message.label, message.out_prefix
        self.send(p.Started(job_id=job_id))
        started = time.perf_counter()
        blocks = []
        try:
            arrays = {}
            for key, ref in refs.items():
                block, view = shm.attach(ref)
                blocks.append(block)
                arrays[key] = view
            output = self._execute(name, job_id, label, token, params, arrays)
            del arrays
            self.send(self._result(job_id, output, prefix))
            log.info("job %d (%s %s) done in %.2f s", job_id, name, label, time.perf_counter() - started)
        except Cancelled:
            log.info("job %d (%s %s) cancelled", job_id, name, label)
            self.send(p.Error(job_id=job_id, message="cancelled", kind="cancelled"))
        except Exception as error:  # noqa: BLE001 - every job error becomes one sentence
            log.debug("job %d (%s %s) failed", job_id, name, label, exc_info=True)
            logging.getLogger("engine.worker.trace").info(
                "job %d failed:\n%s", job_id, "".join(traceback.format_exception(error)).rstrip()
            )
            message_text, kind = user_message(error, label)
            self.send(p.Error(job_id=job_id, message=message_text, kind=kind))
        finally:
            for block in blocks:
                shm.release(block, unlink=False)
            with self._lock:
                self._current = None
                self._cancelled.discard(job_id)

    def _execute(
        self, name: str, job_id: int, label: str, token: CancelToken, params: dict[str, Any], arrays: dict
    ) -> JobOutput:
        fn = resolve(name)

        def send_progress(step: int, total: int, stage: str) -> None:
            self.send(p.Progress(job_id=job_id, step=step, total=total, stage=stage))

        ctx = JobContext(
            job_id=job_id, label=label, cancel=token, send_progress=send_progress, state=self.state
        )
        token.raise_if_cancelled()
        out = fn(ctx, params, arrays)
        if inspect.isgenerator(out):
            generator = out
            try:
                while True:
                    item = next(generator)
                    step, total, *rest = item
                    send_progress(int(step), int(total), str(rest[0]) if rest else "")
                    if token.cancelled:
                        generator.close()
                        raise Cancelled("cancelled by the user")
            except StopIteration as stop:
                out = stop.value
        if out is None:
            out = JobOutput()
        if not isinstance(out, JobOutput):
            raise TypeError(f"job {name!r} returned {type(out).__name__}, not JobOutput")
        return out

    def _result(self, job_id: int, output: JobOutput, prefix: str) -> p.Result:
        refs: dict[str, p.ArrayRef] = {}
        if output.arrays and not prefix:
            raise ValueError("the job returned arrays but the request named no result prefix")
        for index, (key, array) in enumerate(output.arrays.items()):
            block, ref = shm.create(array, f"{prefix}_{index}")
            shm.release(block, unlink=False)  # the client copies and unlinks it
            refs[key] = ref
        return p.Result(job_id=job_id, payload=output.payload, arrays=refs)


def _setup_logging(server: WorkerServer, forward_level: int) -> None:
    from engine.paths import log_dir

    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_Forwarder(server, forward_level))
    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            directory / "worker.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s"))
        root.addHandler(handler)
    except OSError:
        pass


def worker_main(conn: Connection, config: dict[str, Any] | None = None) -> None:
    """Entry point of the spawned worker process (target of ``multiprocessing.Process``)."""
    config = dict(config or {})
    server = WorkerServer(conn, heartbeat_s=float(config.get("heartbeat_s", HEARTBEAT_S)))
    _setup_logging(server, int(config.get("forward_level", logging.INFO)))
    threads = config.get("torch_threads")
    if threads:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    keep_freed_memory()
    log.info("engine worker %d started", os.getpid())
    try:
        server.serve()
    finally:
        try:
            conn.close()
        except OSError:
            pass
