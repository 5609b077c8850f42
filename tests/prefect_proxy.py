"""A loopback proxy in front of a real Prefect server that loses answers on cue.

The web application must survive a busy server (SQLite answers 503 while locked) and a
lost answer (a stall past the client's timeout, a dropped connection). The proxy forwards
every request to the real server, except where its script says otherwise for a path:

- `Fault.BUSY`: answer 503 without forwarding (the server did nothing);
- `Fault.LOSE_ANSWER`: forward (the server does the thing), then close the connection
  without an answer;
- `Fault.DROP`: close the connection without forwarding.

Each fault is used once, in the order given; every request is recorded as (method, path).
"""

from __future__ import annotations

import enum
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

_HOP_BY_HOP = {
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "content-encoding",
}


class Fault(enum.Enum):
    """What the proxy does to one request instead of forwarding it plainly."""

    BUSY = "busy"
    LOSE_ANSWER = "lose-answer"
    DROP = "drop"


class PrefectProxy:
    """The proxy's script and record; `url` is its API base (use it as PREFECT_API_URL)."""

    def __init__(self, upstream: str) -> None:
        self.origin = upstream.rstrip("/").removesuffix("/api")  # paths arrive with /api
        self.url = ""
        self.seen: list[tuple[str, str]] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()

    def fail(self, path_suffix: str, *faults: Fault) -> None:
        """Apply `faults`, one per request, to requests whose path ends with `path_suffix`."""
        with self._lock:
            self._faults[path_suffix].extend(faults)

    def count(self, method: str, path_suffix: str) -> int:
        """How many requests of `method` to a path ending with `path_suffix` arrived."""
        with self._lock:
            return sum(1 for m, p in self.seen if m == method and p.endswith(path_suffix))

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.seen.append((method, path))
            for suffix, queue in self._faults.items():
                if path.endswith(suffix) and queue:
                    return queue.popleft()
        return None


def _handler(proxy: PrefectProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._relay("GET")

        def do_POST(self) -> None:
            self._relay("POST")

        def _relay(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?", 1)[0]
            fault = proxy._fault_for(method, path)
            if fault is Fault.BUSY:
                self._send(503, b'{"detail": "database is locked"}', {})
                return
            if fault is Fault.DROP:
                self.close_connection = True
                return
            headers = {"content-type": self.headers.get("Content-Type", "application/json")}
            answer = httpx.request(
                method, proxy.origin + self.path, content=raw, headers=headers, timeout=60
            )
            if fault is Fault.LOSE_ANSWER:
                self.close_connection = True
                return
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            self._send(answer.status_code, answer.content, kept)

        def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            headers = {k.lower(): v for k, v in headers.items()}
            headers.setdefault("content-type", "application/json")
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: test output stays readable."""

    return Handler


@contextmanager
def prefect_proxy(upstream: str) -> Iterator[PrefectProxy]:
    """Run a proxy to `upstream` (an API URL ending in /api) on a free loopback port."""
    proxy = PrefectProxy(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
