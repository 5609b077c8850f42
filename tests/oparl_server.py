"""A real OParl server on 127.0.0.1 for the tests, serving fixture worlds with faults on demand.

Lists are paginated on the fly (so a test can change or delete an object and an incremental
request with `modified_since` sees it); any path can be given a scripted answer (status and
raw bytes), a number of failures (HTTP 500, dropped connections, slow answers) or a delay.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

SHARED_OPARL = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "oparl"
HUERTGENWALD = SHARED_OPARL / "huertgenwald"
SPEC_EXAMPLES = SHARED_OPARL / "spec" / "examples"
HUERTGENWALD_ORIGIN = "https://sdnetrim.kdvz-frechen.de"
HUERTGENWALD_SYSTEM = "/rim4220/webservice/oparl/v1.0/system"
SPEC_ORIGIN = "https://oparl.example.org"


@dataclass
class Answer:
    """A scripted answer: status, raw body, content type; `close` drops the connection."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    close: bool = False
    delay_s: float = 0.0
    chunked: bool = False  # no Content-Length: the client learns the size only by reading


class OParlTestServer:
    """Serves objects, paginated lists and files; records every request."""

    def __init__(self, page_size: int = 25) -> None:
        self.page_size = page_size
        self.system_url = ""  # set by the world loaded (tests.oparl_worlds)
        self.objects: dict[str, Any] = {}  # path -> JSON value
        self.lists: dict[str, list[dict[str, Any]]] = {}  # path -> objects, in order
        self.files: dict[str, bytes] = {}
        self.scripted: dict[str, list[Answer]] = {}  # path(+query) -> answers, used once each
        self.fixed: dict[str, Answer] = {}  # path(+query) -> answer, every time
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[OParlTestServer]:
        """Serve in a thread while the block runs."""
        thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return self.base + path

    def rewrite(self, text: str, origin: str) -> Any:
        """Parse fixture JSON with its original origin replaced by this server."""
        return json.loads(text.replace(origin, self.base))

    def fail(self, path: str, *answers: Answer) -> None:
        """The next requests of `path` get these answers, then the normal one again."""
        self.scripted.setdefault(path, []).extend(answers)

    def list_objects(self, path: str) -> list[dict[str, Any]]:
        """The objects of a list (mutable: tests change or delete objects in place)."""
        return self.lists[path]

    def paths_requested(self) -> list[str]:
        """Every path (with query) asked for so far."""
        with self._lock:
            return [p for p, _ in self.requests]

    def answer(self, target: str) -> Answer:
        """What the server sends for a request target (path and query)."""
        with self._lock:
            queued = self.scripted.get(target) or self.scripted.get(urlsplit(target).path)
            if queued:
                return queued.pop(0)
        if target in self.fixed:
            return self.fixed[target]
        parts = urlsplit(target)
        if parts.path in self.files:
            return Answer(body=self.files[parts.path], content_type="application/pdf")
        if parts.path in self.lists:
            return _json(self._page(parts.path, parse_qs(parts.query)))
        if parts.path in self.objects and not parts.query:
            return _json(self.objects[parts.path])
        listed = self._listed(parts.path) if not parts.query else None
        if listed is not None:  # every object is served at its id, as OParl requires
            return _json(listed)
        return _json({"type": "Error", "message": "Not Found"}, status=404)

    def _listed(self, path: str) -> Any:
        with self._lock:
            for items in self.lists.values():
                for item in items:
                    if isinstance(item, dict) and urlsplit(str(item.get("id"))).path == path:
                        return item
        return None

    def _page(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        items = self.lists[path]
        since = query.get("modified_since", [None])[0]
        if since:
            limit = dt.datetime.fromisoformat(since)
            items = [o for o in items if _modified(o) >= limit]
        page = int(query.get("page", ["1"])[0])
        pages = max(1, -(-len(items) // self.page_size))
        keep = {"modified_since": since} if since else {}

        def link(n: int) -> str:
            return f"{self.base}{path}?{urlencode({**keep, 'page': n})}"

        links = {"first": link(1), "self": link(page), "last": link(pages)}
        if page < pages:
            links["next"] = link(page + 1)
        start = (page - 1) * self.page_size
        return {
            "data": items[start : start + self.page_size],
            "pagination": {"totalElements": len(items), "currentPage": page, "totalPages": pages},
            "links": links,
        }

    def _seen(self, target: str, headers: dict[str, str], delta: int) -> None:
        with self._lock:
            if delta > 0:
                self.requests.append((target, headers))
            self.in_flight += delta
            self.max_in_flight = max(self.max_in_flight, self.in_flight)


def _modified(obj: dict[str, Any]) -> dt.datetime:
    value = obj.get("modified")
    return dt.datetime.fromisoformat(value) if value else dt.datetime.min.replace(tzinfo=dt.UTC)


def _json(value: Any, status: int = 200) -> Answer:
    return Answer(status=status, body=json.dumps(value, ensure_ascii=False).encode())


def _handler(server: OParlTestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server._seen(self.path, dict(self.headers), +1)
            try:
                answer = server.answer(self.path)
                if answer.delay_s:
                    time.sleep(answer.delay_s)
                if answer.close:
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                if answer.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for start in range(0, len(answer.body), 1024):
                            piece = answer.body[start : start + 1024]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the client stopped reading
                    return
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            finally:
                server._seen(self.path, {}, -1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
