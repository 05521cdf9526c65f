"""A local fake LLM server that speaks the OpenAI and Anthropic wire formats.

Use it through the real SDKs, so tests cover their parsing, errors and headers::

    with FakeLLM() as llm:
        llm.script(Fault(429, headers={"retry-after": "2"}), Reply({"answer": 42}))
        OpenAIProvider("m", api_key="test", base_url=llm.url).complete(...)

``llm.url`` ends in ``/v1`` (what OpenAI clients expect); ``llm.anthropic_url`` has no
path (the Anthropic SDK adds ``/v1/messages``). Each request takes the next scripted
step; the reply's shape follows the path (``/v1/responses``, ``/v1/chat/completions``,
``/v1/messages``). An empty script answers 500 "fake server: no scripted reply".

``FakeLLM(formats=...)`` imitates an OpenAI-compatible server that accepts only some
``response_format`` types (``Formats``; e.g. ``LLAMA_CPP_PYTHON``, ``OLLAMA_LIKE``,
``FENCED``): a Chat Completions request of another type gets the server's rejection and
consumes no step; ``fenced`` wraps every reply's JSON in prose and a code fence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from pydantic import BaseModel

__all__ = [
    "FENCED",
    "LLAMA_CPP_PYTHON",
    "OLLAMA_LIKE",
    "Computed",
    "Delay",
    "FakeLLM",
    "Fault",
    "Formats",
    "Raw",
    "Recorded",
    "Reply",
    "Reset",
    "Step",
    "WireUsage",
]


Count = int | float | str | None  # what a (broken or hostile) provider may put on the wire


@dataclass(frozen=True)
class WireUsage:
    """Token counts exactly as the provider reports them on the wire.

    OpenAI: ``input_tokens`` includes ``cached_tokens``. Anthropic: ``input_tokens``
    excludes ``cached_tokens`` (cache reads) and ``cache_write_tokens`` (cache creation).
    """

    input_tokens: Count = 100
    cached_tokens: Count = 0
    cache_write_tokens: Count = 0
    output_tokens: Count = 20


@dataclass(frozen=True)
class Reply:
    """A successful answer whose text is ``payload`` (a dict or model as JSON, a str as is)."""

    payload: dict[str, Any] | BaseModel | str
    usage: WireUsage | None = field(default_factory=WireUsage)  # None: no "usage" at all
    truncated: bool = False  # finish_reason "length" / status "incomplete" / "max_tokens"
    refusal: str | None = None
    model: str = "fake-model"

    def text(self) -> str:
        if isinstance(self.payload, BaseModel):
            return self.payload.model_dump_json()
        return self.payload if isinstance(self.payload, str) else json.dumps(self.payload)


@dataclass(frozen=True)
class Fault:
    """An HTTP error; ``body`` defaults to the wire format's error object."""

    status: int
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Computed:
    """A reply made from the request's JSON body when it arrives (to echo what was sent)."""

    make: Callable[[Any], Reply | Raw]


@dataclass(frozen=True)
class Delay:
    """Wait this long, then answer with the next step (to trip client timeouts)."""

    seconds: float


@dataclass(frozen=True)
class Reset:
    """Close the connection without answering."""


@dataclass(frozen=True)
class Raw:
    """Send ``text`` verbatim as a JSON body (e.g. malformed or truncated JSON)."""

    text: str
    status: int = 200


Step = Reply | Fault | Delay | Reset | Raw | Computed


@dataclass(frozen=True)
class Formats:
    """The ``response_format`` types a compatible server takes ("none": no response_format).

    A request of another type is answered with ``status`` and ``message`` (``{type}`` is
    replaced by the type asked for) in the wire format's error object.
    """

    accepts: frozenset[str]
    status: int = 400
    message: str = "response_format {type} is not supported"
    fenced: bool = False
    kind: str = "invalid_request_error"

    def rejection(self, body: Any) -> Fault | None:
        fmt = body.get("response_format") if isinstance(body, dict) else None
        kind = str(fmt.get("type")) if isinstance(fmt, dict) else "none"
        if kind in self.accepts:
            return None
        error = {"message": self.message.format(type=kind), "type": self.kind}
        return Fault(self.status, {"error": {**error, "param": None, "code": None}})

    def shaped(self, reply: Reply) -> Reply:
        if not self.fenced:
            return reply
        text = f"Sure! Here is the patch:\n```json\n{reply.text()}\n```\nHope this helps."
        return dataclasses.replace(reply, payload=text)


# llama-cpp-python 0.3.36, as it answered here: its request model allows only "text" and
# "json_object", and its error handler turns the validation error into a 500.
LLAMA_CPP_PYTHON = Formats(
    accepts=frozenset({"none", "text", "json_object"}),
    status=500,
    kind="internal_server_error",
    message=(
        "1 validation error:\n  {{'type': 'literal_error', 'loc': ('body', 'response_format', "
        "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': '{type}', "
        "'ctx': {{'expected': \"'text' or 'json_object'\"}}}}\n\n  File \".../llama_cpp/server/"
        'app.py", line 376, in create_chat_completion\n    POST /v1/chat/completions'
    ),
)
# A server whose OpenAI layer takes no response_format at all: 400 invalid_request_error
# for both kinds, so the schema goes in the prompt. An imitation of the strictest case seen
# among local servers, not a recording of a real Ollama.
OLLAMA_LIKE = Formats(accepts=frozenset({"none"}), message="invalid response_format: {type}")
# A server that takes every response_format and ignores it: the model chats around its JSON.
FENCED = Formats(accepts=frozenset({"none", "text", "json_object", "json_schema"}), fenced=True)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    time: float


class FakeLLM:
    """A ThreadingHTTPServer on 127.0.0.1 with a queue of scripted steps."""

    def __init__(self, formats: Formats | None = None) -> None:
        self.formats = formats
        self.requests: list[Recorded] = []
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def anthropic_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.anthropic_url}/v1"

    def script(self, *steps: Step) -> FakeLLM:
        with self._lock:
            self._steps.extend(steps)
        return self

    def next_step(self) -> Step | None:
        with self._lock:
            return self._steps.popleft() if self._steps else None

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.requests.append(entry)

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.02)  # so shutdown() returns at once

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_fake = fake

    return Handler


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeLLM

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:  # e.g. GET /v1/models
        self._serve(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        self._serve(body)

    def _serve(self, body: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server_fake.record(Recorded(self.command, self.path, headers, body, time.time()))
        formats = self.server_fake.formats if self.path.endswith("/chat/completions") else None
        rejection = formats.rejection(body) if formats is not None else None
        if rejection is not None:
            with contextlib.suppress(OSError):
                self._answer(rejection)
            return
        step = self.server_fake.next_step()
        while isinstance(step, Delay):
            time.sleep(step.seconds)
            step = self.server_fake.next_step()
        if isinstance(step, Computed):
            step = step.make(body)
        if formats is not None and isinstance(step, Reply):
            step = formats.shaped(step)
        with contextlib.suppress(OSError):  # the client gave up (timeout) and hung up
            self._answer(step)

    def _answer(self, step: Step | None) -> None:
        if step is None:
            self._send(500, _error(self.path, 500, "fake server: no scripted reply"))
        elif isinstance(step, Reset):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif isinstance(step, Raw):
            self._send(step.status, step.text)
        elif isinstance(step, Fault):
            body = step.body if step.body is not None else _error(self.path, step.status)
            self._send(step.status, body, step.headers)
        elif isinstance(step, Reply):
            self._send(200, _reply_body(self.path, step))

    def _send(
        self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None
    ) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _error(path: str, status: int, message: str | None = None) -> dict[str, Any]:
    text = message or f"fake server: scripted HTTP {status}"
    if path.endswith("/messages"):
        kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": text}}
    return {"error": {"message": text, "type": "fake_error", "code": None, "param": None}}


def _reply_body(path: str, reply: Reply) -> dict[str, Any]:
    if path.endswith("/chat/completions"):
        return _chat_completion(reply)
    if path.endswith("/messages"):
        return _anthropic_message(reply)
    return _openai_response(reply)


def _openai_response(reply: Reply) -> dict[str, Any]:
    u = reply.usage
    content: dict[str, Any] = {"type": "output_text", "text": reply.text(), "annotations": []}
    if reply.refusal is not None:
        content = {"type": "refusal", "refusal": reply.refusal}
    message = {"type": "message", "id": "msg_fake", "status": "completed", "role": "assistant"}
    return {
        "id": "resp_fake",
        "object": "response",
        "created_at": 0,
        "model": reply.model,
        "status": "incomplete" if reply.truncated else "completed",
        "incomplete_details": {"reason": "max_output_tokens"} if reply.truncated else None,
        "output": [{**message, "content": [content]}],
        **_usage(
            u,
            lambda u: {
                "input_tokens": u.input_tokens,
                "input_tokens_details": {"cached_tokens": u.cached_tokens},
                "output_tokens": u.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": _total(u),
            },
        ),
    }


def _chat_completion(reply: Reply) -> dict[str, Any]:
    u = reply.usage
    refused = reply.refusal is not None
    message = {
        "role": "assistant",
        "content": None if refused else reply.text(),
        "refusal": reply.refusal,
    }
    choice = {"index": 0, "message": message, "logprobs": None}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": reply.model,
        "choices": [{**choice, "finish_reason": "length" if reply.truncated else "stop"}],
        **_usage(
            u,
            lambda u: {
                "prompt_tokens": u.input_tokens,
                "completion_tokens": u.output_tokens,
                "total_tokens": _total(u),
                "prompt_tokens_details": {"cached_tokens": u.cached_tokens},
            },
        ),
    }


def _anthropic_message(reply: Reply) -> dict[str, Any]:
    u = reply.usage
    stop = "refusal" if reply.refusal is not None else "end_turn"
    text = reply.refusal if reply.refusal is not None else reply.text()
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": reply.model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "max_tokens" if reply.truncated else stop,
        "stop_sequence": None,
        **_usage(
            u,
            lambda u: {
                "input_tokens": u.input_tokens,
                "cache_read_input_tokens": u.cached_tokens,
                "cache_creation_input_tokens": u.cache_write_tokens,
                "output_tokens": u.output_tokens,
            },
        ),
    }


def _usage(usage: WireUsage | None, shape: Callable[[WireUsage], dict[str, Any]]) -> dict[str, Any]:
    """``{"usage": ...}`` in the wire format, or nothing when the reply reports no usage."""
    return {} if usage is None else {"usage": shape(usage)}


def _total(u: WireUsage) -> Count:
    a, b = u.input_tokens, u.output_tokens
    return a + b if isinstance(a, int) and isinstance(b, int) else None
