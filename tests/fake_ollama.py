"""A real HTTP server on 127.0.0.1 that speaks Ollama's API, scripted per test.

Written from `../shared/reference/ollama/` (api.md, openapi.yaml, errors.mdx): the
official `ollama` client talks to it over real sockets, so the tests cover what the
client really sends (it sends `"stream": false` for a non-streaming chat) and how it
really reacts to status codes, slow answers and closed ports. No model is involved:
each `/api/chat` answers with the next queued `Scenario`.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.fake_ollama_payloads import chat_reply, model_entry, show_reply


@dataclass(frozen=True)
class Scenario:
    """One scripted reply to `/api/chat`.

    Attributes:
        status: HTTP status; anything but 200 sends `{"error": error}` (errors.mdx).
        content: The assistant message's content.
        error: Error text for a non-200 status.
        delay_s: Wait before answering (longer than the client's timeout: a timeout).
        label_probability: Probability spread over the label's tokens in `logprobs`;
            None sends no log-probabilities even when asked (an older server).
    """

    status: int = 200
    content: str = ""
    error: str = ""
    delay_s: float = 0.0
    label_probability: float | None = None


def answer(
    label: str,
    begruendung: str = "Passt zum Inhalt.",
    confidence: float | None = None,
    label_probability: float | None = 0.9,
    delay_s: float = 0.0,
) -> Scenario:
    """A well-formed structured answer, with log-probabilities unless told otherwise."""
    payload: dict[str, Any] = {"label": label, "begruendung": begruendung}
    if confidence is not None:
        payload["confidence"] = confidence
    content = json.dumps(payload, ensure_ascii=False)
    return Scenario(content=content, label_probability=label_probability, delay_s=delay_s)


def error(status: int, message: str, delay_s: float = 0.0) -> Scenario:
    """An error reply with the documented `{"error": ...}` body."""
    return Scenario(status=status, error=message, delay_s=delay_s)


@dataclass
class Recorded:
    """A request as the server saw it."""

    method: str
    path: str
    body: Any


@dataclass
class FakeOllama:
    """The server; use as a context manager, `enqueue` replies, read `requests` afterwards."""

    models: tuple[str, ...] = ("qwen2.5:3b-instruct",)
    version: str = "0.12.6"
    requests: list[Recorded] = field(default_factory=list)
    _queue: deque[Scenario] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeOllama:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        self._server = server
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()  # wakes delayed replies
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """Base URL, as `OLLAMA_HOST` would name it."""
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def enqueue(self, *scenarios: Scenario) -> None:
        """Queue replies for the next chat requests, in order."""
        with self._lock:
            self._queue.extend(scenarios)

    @property
    def chats(self) -> list[dict[str, Any]]:
        """Bodies of the `/api/chat` requests received so far."""
        with self._lock:
            return [r.body for r in self.requests if r.path == "/api/chat"]

    def _next(self, body: dict[str, Any]) -> Scenario:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        labels = body.get("format", {}).get("properties", {}).get("label", {}).get("enum", [])
        return answer(labels[0]) if labels else Scenario(content="ok")

    def reply(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """Status and JSON body (or a list of NDJSON objects) for one request."""
        with self._lock:
            self.requests.append(Recorded(method, path, body))
        if (method, path) == ("GET", "/api/version"):
            return 200, {"version": self.version}
        if (method, path) == ("GET", "/api/tags"):
            return 200, {"models": [model_entry(name) for name in self.models]}
        if not isinstance(body, dict) or (method, path) not in {
            ("POST", "/api/show"),
            ("POST", "/api/chat"),
        }:
            return 404, {"error": "404 page not found"}
        model = str(body.get("model", ""))
        if model not in self.models:
            return 404, {"error": f"model '{model}' not found"}
        if path == "/api/show":
            return 200, show_reply(model)
        scenario = self._next(body)
        if scenario.delay_s and self._stopping.wait(scenario.delay_s):
            return 503, {"error": "server shutting down"}
        if scenario.status != 200:
            return scenario.status, {"error": scenario.error}
        return 200, chat_reply(model, body, scenario.content, scenario.label_probability)


def _handler_for(fake: FakeOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                self._send(400, {"error": "invalid character in request body"})
                return
            status, payload = fake.reply(method, self.path, body)
            try:
                self._send(status, payload)
            except OSError:  # the client gave up (timeout) and closed the socket
                self.close_connection = True

        def _send(self, status: int, payload: Any) -> None:
            stream = isinstance(payload, list)
            lines = payload if stream else [payload]
            data = b"".join(
                json.dumps(line).encode() + (b"\n" if stream else b"") for line in lines
            )
            self.send_response(status)
            kind = "application/x-ndjson" if stream else "application/json; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: test output stays readable."""

    return Handler
