"""HTTP for the OParl client: politeness, retries with backoff, JSON with its quirks.

A municipal IT provider's server is shared with the public, so every request passes one
semaphore (at most `concurrency` at a time) and carries our User-Agent; temporary failures
(5xx, 429, timeouts, broken connections) are retried with exponential backoff, a bounded
number of times, and each retry is logged as a quirk naming the URL.

The server's JSON names further URLs (bodies, lists, `links.next`, file downloads), and a
hostile or compromised server can point them anywhere: the API key therefore goes only to
the configured system's origin, decided per request, and JSON answers are read with a byte
cap instead of whole, so such a server can neither collect the key nor fill our memory.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from connectors.oparl.quirks import Quirk, QuirkLog, as_list_page, decode_json
from connectors.oparl.settings import OParlSettings

T = TypeVar("T")


class OParlError(RuntimeError):
    """The system could not be read at this URL; the message names it.

    `transient` is True when retries ran out on failures that may pass (5xx, timeouts,
    broken connections): worth another run later, unlike a 404 or a body that is no JSON.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class TemporaryError(Exception):
    """A temporary failure worth another try (raised inside `Fetcher.retrying`)."""


Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: httpx.URL | str) -> Origin:
    """Scheme, host and port of a URL (default ports filled in), as browsers compare them."""
    parsed = httpx.URL(url)
    port = parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 0)
    return parsed.scheme, parsed.host.lower(), port


class SystemOnlyBearer(httpx.Auth):
    """The API key as a Bearer token, only on requests to the configured system's origin.

    Decided per request (not as a client-wide header) because the URLs we follow come
    from the server's JSON: a body list, `links.next` or a file URL naming another host
    must not receive the municipality's token. httpx itself drops the header when a
    redirect leaves the origin.
    """

    def __init__(self, api_key: SecretStr, system_url: str) -> None:
        self._api_key = api_key
        self._origin = origin_of(system_url)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header when the request goes to the system's own origin."""
        if origin_of(request.url) == self._origin:
            request.headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        yield request


@dataclass(frozen=True)
class Fetched:
    """A JSON answer read within the byte cap: status, the URL asked for, the bytes."""

    status_code: int
    url: str
    content: bytes


def read_capped(response: httpx.Response, limit: int) -> bytes | None:
    """The (decoded) body, or None as soon as it exceeds `limit` bytes.

    Read in chunks rather than whole: a hostile server could otherwise send gigabytes
    (or a small compressed bomb) and the flow's process would hold them all. A declared
    Content-Length over the limit is refused before reading.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def shown_url(url: httpx.URL | str) -> str:
    """A URL for error messages: without query and fragment (they may carry secrets)."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(query=None, fragment=None))


class Fetcher:
    """A shared httpx client that is polite and patient."""

    def __init__(
        self,
        settings: OParlSettings,
        quirks: QuirkLog,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.quirks = quirks
        self._sleep = sleep or time.sleep
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        headers = {"User-Agent": settings.user_agent, "Accept": "application/json"}
        auth: httpx.Auth | None = None
        if settings.api_key is not None and settings.system_url:
            auth = SystemOnlyBearer(settings.api_key, settings.system_url)
        self.http = httpx.Client(
            headers=headers,
            auth=auth,
            timeout=httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            limits=httpx.Limits(max_connections=settings.concurrency),
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        """Release the connections."""
        self.http.close()

    def retrying(self, url: str, call: Callable[[], T]) -> T:
        """Run `call` (one request under the semaphore) until it succeeds or retries run out."""
        if httpx.URL(url).scheme not in {"http", "https"}:
            raise OParlError(f"{url}: nur http(s) wird abgerufen")
        attempts = self.settings.max_retries + 1
        for attempt in range(attempts):
            try:
                with self._slots:
                    return call()
            except (
                TemporaryError,
                httpx.TimeoutException,
                httpx.NetworkError,
                httpx.ProtocolError,
            ) as exc:
                reason = str(exc) if isinstance(exc, TemporaryError) else type(exc).__name__
            except httpx.HTTPError as exc:
                raise OParlError(f"{url}: {type(exc).__name__}") from exc
            if attempt + 1 == attempts:
                raise OParlError(f"{url}: {reason} nach {attempts} Versuchen", transient=True)
            self.quirks.note(Quirk.SERVER_ERROR_RETRIED, url, reason)
            delay = self.settings.backoff_s * 2**attempt
            self._sleep(min(delay, self.settings.backoff_max_s))
        raise AssertionError("unreachable")

    def get(self, url: str, params: dict[str, str] | None = None) -> Fetched:
        """GET with retries; the answer may still be a 4xx, which the caller judges.

        Raises:
            OParlError: the answer is larger than `max_page_bytes` (not retried: a server
                that sends too much once will do so again).

        """

        def call() -> Fetched:
            with self.http.stream("GET", url, params=params) as response:
                if response.status_code >= 500 or response.status_code == 429:
                    raise TemporaryError(f"HTTP {response.status_code}")
                limit = self.settings.max_page_bytes
                content = read_capped(response, limit)
                if content is None:
                    raise OParlError(
                        f"{shown_url(response.request.url)}: Antwort größer als {limit} Bytes "
                        "(AMTSFLOW_OPARL_MAX_PAGE_BYTES), abgebrochen"
                    )
                return Fetched(response.status_code, str(response.request.url), content)

        return self.retrying(url, call)

    def get_object(self, url: str) -> Any:
        """One object (System, Body): anything but 200 is an error."""
        fetched = self.get(url)
        if fetched.status_code != 200:
            raise OParlError(f"{url}: HTTP {fetched.status_code}")
        return self.decode(fetched.content, url)

    def get_list_page(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """One page of a list, as `{"data": [...], "links": {...}}` whatever the server sent."""
        fetched = self.get(url, params)
        shown = fetched.url
        if fetched.status_code == 404 and _is_json_object(fetched.content):
            self.quirks.note(Quirk.EMPTY_LIST_404, shown)
            return {"data": [], "links": {}}
        if fetched.status_code != 200:
            raise OParlError(f"{shown}: HTTP {fetched.status_code}")
        try:
            return as_list_page(self.decode(fetched.content, shown), shown, self.quirks)
        except ValueError as exc:
            raise OParlError(f"{shown}: {exc}") from exc

    def decode(self, content: bytes, url: str) -> Any:
        """An answer's JSON, repaired where the quirks allow (OParlError if it is none)."""
        try:
            return decode_json(content, url, self.quirks)
        except ValueError as exc:
            raise OParlError(f"{url}: kein gültiges JSON ({type(exc).__name__})") from exc


def _is_json_object(content: bytes) -> bool:
    try:
        return isinstance(json.loads(content), dict)
    except ValueError:
        return False
