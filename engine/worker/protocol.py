"""Versioned messages between the app/CLI (client) and the engine worker process.

Every message is a frozen dataclass. On the wire a message is a JSON object
``{"v": PROTOCOL_VERSION, "type": "<kind>", ...fields}`` sent with ``Connection.send_bytes``;
nothing is unpickled, so a corrupt or hostile message can only ever raise :class:`ProtocolError`.
Large arrays never travel in messages: they live in shared-memory blocks described by
:class:`ArrayRef` (see ``engine.worker.shm``).

Requests (client -> worker): :class:`Ping`, :class:`LoadModel`, :class:`Estimate`, :class:`RunJob`,
:class:`Cancel`, :class:`Shutdown`.
Events (worker -> client): :class:`Hello`, :class:`Pong`, :class:`Heartbeat`, :class:`Started`,
:class:`Progress`, :class:`Log`, :class:`Result`, :class:`Error`.
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

PROTOCOL_VERSION = 1

ALLOWED_DTYPES = frozenset({"float16", "float32", "float64", "uint8", "uint16", "int32", "int64", "bool"})
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class ProtocolError(ValueError):
    """A message could not be decoded or does not match this protocol version."""


@dataclass(frozen=True)
class ArrayRef:
    """A C-contiguous numpy array stored in the shared-memory block ``shm_name``."""

    shm_name: str
    shape: tuple[int, ...]
    dtype: str

    def __post_init__(self) -> None:
        if self.dtype not in ALLOWED_DTYPES:
            raise ProtocolError(f"unsupported array dtype {self.dtype!r}")
        if not self.shm_name or len(self.shm_name) > 64:
            raise ProtocolError("invalid shared-memory block name")
        if len(self.shape) > 8 or any(d < 0 for d in self.shape):
            raise ProtocolError(f"invalid array shape {self.shape!r}")


@dataclass(frozen=True)
class Message:
    TYPE: ClassVar[str] = ""


# ----------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class Ping(Message):
    TYPE: ClassVar[str] = "ping"
    token: int = 0


@dataclass(frozen=True)
class LoadModel(Message):
    """Load (and keep warm) the model that ``options`` (EstimateOptions fields) would use."""

    TYPE: ClassVar[str] = "load_model"
    job_id: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Estimate(Message):
    """Estimate maps for ``photo`` (HxWx3 float32 linear RGB) with EstimateOptions ``options``."""

    TYPE: ClassVar[str] = "estimate"
    job_id: int
    photo: ArrayRef
    options: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    out_prefix: str = ""


@dataclass(frozen=True)
class RunJob(Message):
    """Run the registered job ``job`` (see ``engine.worker.jobs``) with JSON params and arrays."""

    TYPE: ClassVar[str] = "run_job"
    job_id: int
    job: str
    params: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, ArrayRef] = field(default_factory=dict)
    label: str = ""
    out_prefix: str = ""


@dataclass(frozen=True)
class Cancel(Message):
    TYPE: ClassVar[str] = "cancel"
    job_id: int


@dataclass(frozen=True)
class Shutdown(Message):
    TYPE: ClassVar[str] = "shutdown"


# ----------------------------------------------------------------------------- events
@dataclass(frozen=True)
class Hello(Message):
    TYPE: ClassVar[str] = "hello"
    version: int
    pid: int


@dataclass(frozen=True)
class Pong(Message):
    TYPE: ClassVar[str] = "pong"
    token: int = 0


@dataclass(frozen=True)
class Heartbeat(Message):
    TYPE: ClassVar[str] = "heartbeat"
    busy_job: int = -1


@dataclass(frozen=True)
class Started(Message):
    TYPE: ClassVar[str] = "started"
    job_id: int


@dataclass(frozen=True)
class Progress(Message):
    TYPE: ClassVar[str] = "progress"
    job_id: int
    step: int
    total: int
    stage: str = ""


@dataclass(frozen=True)
class Log(Message):
    TYPE: ClassVar[str] = "log"
    level: int
    logger: str
    message: str


@dataclass(frozen=True)
class Result(Message):
    TYPE: ClassVar[str] = "result"
    job_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, ArrayRef] = field(default_factory=dict)


@dataclass(frozen=True)
class Error(Message):
    """A job (or request, job_id -1) failed. ``message`` is one sentence for the user.

    kinds: ``failed``, ``cancelled``, ``crashed``, ``model_not_available``, ``bad_request``.
    """

    TYPE: ClassVar[str] = "error"
    job_id: int
    message: str
    kind: str = "failed"


REQUESTS: tuple[type[Message], ...] = (Ping, LoadModel, Estimate, RunJob, Cancel, Shutdown)
EVENTS: tuple[type[Message], ...] = (Hello, Pong, Heartbeat, Started, Progress, Log, Result, Error)
_BY_TYPE: dict[str, type[Message]] = {cls.TYPE: cls for cls in REQUESTS + EVENTS}


# ----------------------------------------------------------------------------- encoding
def _to_json(value: Any) -> Any:
    if isinstance(value, ArrayRef):
        return {"shm_name": value.shm_name, "shape": list(value.shape), "dtype": value.dtype}
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


def encode(message: Message) -> bytes:
    """Serialise a message to UTF-8 JSON bytes (raises ProtocolError for non-JSON content)."""
    body = {"v": PROTOCOL_VERSION, "type": message.TYPE}
    for f in fields(message):
        body[f.name] = _to_json(getattr(message, f.name))
    try:
        data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise ProtocolError(f"cannot encode a {message.TYPE} message: {error}") from None
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"a {message.TYPE} message is too large ({len(data)} bytes)")
    return data


def _is_json_value(value: Any, depth: int = 0) -> bool:
    if depth > 32:
        return False
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v, depth + 1) for k, v in value.items())
    return False


def _convert(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` (decoded JSON) against the type hint and build the Python value."""
    origin = typing.get_origin(hint)
    if hint is Any:
        if not _is_json_value(value):
            raise ProtocolError(f"{where}: not a JSON value")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ProtocolError(f"{where}: expected a boolean")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError(f"{where}: expected an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ProtocolError(f"{where}: expected a finite number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ProtocolError(f"{where}: expected a string")
        return value
    if hint is ArrayRef:
        if not isinstance(value, dict) or set(value) != {"shm_name", "shape", "dtype"}:
            raise ProtocolError(f"{where}: expected an array reference")
        return ArrayRef(
            shm_name=_convert(value["shm_name"], str, where),
            shape=_convert(value["shape"], tuple[int, ...], where),
            dtype=_convert(value["dtype"], str, where),
        )
    if origin is tuple:
        if not isinstance(value, list):
            raise ProtocolError(f"{where}: expected a list")
        (item_hint, _ellipsis) = typing.get_args(hint)
        return tuple(_convert(v, item_hint, where) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ProtocolError(f"{where}: expected an object")
        _key_hint, item_hint = typing.get_args(hint)
        return {str(k): _convert(v, item_hint, f"{where}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            if option is type(None) and value is None:
                return None
            try:
                return _convert(value, option, where)
            except ProtocolError:
                continue
        raise ProtocolError(f"{where}: unexpected value")
    raise ProtocolError(f"{where}: unsupported field type {hint!r}")  # pragma: no cover


_HINTS: dict[type[Message], dict[str, Any]] = {}


def _hints(cls: type[Message]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def decode(data: bytes | bytearray | memoryview | str) -> Message:
    """Parse wire bytes into a message; anything malformed raises :class:`ProtocolError`."""
    try:
        if isinstance(data, str):
            text = data
        else:
            if len(data) > MAX_MESSAGE_BYTES:
                raise ProtocolError("message too large")
            text = bytes(data).decode("utf-8")
        body = json.loads(text, parse_constant=_reject_constant)
    except ProtocolError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ProtocolError(f"not a protocol message ({type(error).__name__})") from None
    return from_dict(body)


def _reject_constant(name: str) -> Any:
    raise ProtocolError(f"non-finite number {name} in message")


def from_dict(body: Any) -> Message:
    """Build a message from an already-parsed JSON object (validating every field)."""
    if not isinstance(body, dict):
        raise ProtocolError("a message must be a JSON object")
    version = body.get("v")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"protocol version {version!r} does not match this version {PROTOCOL_VERSION}")
    kind = body.get("type")
    cls = _BY_TYPE.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError(f"unknown message type {kind!r}")
    hints = _hints(cls)
    known = {f.name for f in fields(cls)}
    extra = set(body) - known - {"v", "type"}
    if extra:
        raise ProtocolError(f"unknown fields {sorted(extra)} in a {kind} message")
    kwargs = {}
    for f in fields(cls):
        if f.name in body:
            kwargs[f.name] = _convert(body[f.name], hints[f.name], f"{kind}.{f.name}")
    try:
        return cls(**kwargs)
    except TypeError as error:  # a required field is missing
        raise ProtocolError(f"incomplete {kind} message: {error}") from None
