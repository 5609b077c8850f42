"""HTTP for the OParl client: politeness, retries with backoff, JSON with its quirks.

A municipal IT provider's server is shared with the public, so every request passes one
semaphore (at most `concurrency` at a time) and carries our User-Agent; temporary failures
(5xx, 429, timeouts, broken connections) are retried with exponential backoff, a bounded
number of times, and each retry is logged as a quirk naming the URL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

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
        if settings.api_key is not None:
            headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        self.http = httpx.Client(
            headers=headers,
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

    def get(self, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        """GET with retries; the answer may still be a 4xx, which the caller judges."""

        def call() -> httpx.Response:
            response = self.http.get(url, params=params)
            if response.status_code >= 500 or response.status_code == 429:
                raise TemporaryError(f"HTTP {response.status_code}")
            return response

        return self.retrying(url, call)

    def get_object(self, url: str) -> Any:
        """One object (System, Body): anything but 200 is an error."""
        response = self.get(url)
        if response.status_code != 200:
            raise OParlError(f"{url}: HTTP {response.status_code}")
        return self._decode(response, url)

    def get_list_page(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """One page of a list, as `{"data": [...], "links": {...}}` whatever the server sent."""
        response = self.get(url, params)
        shown = str(response.request.url)
        if response.status_code == 404 and _is_json_object(response):
            self.quirks.note(Quirk.EMPTY_LIST_404, shown)
            return {"data": [], "links": {}}
        if response.status_code != 200:
            raise OParlError(f"{shown}: HTTP {response.status_code}")
        try:
            return as_list_page(self._decode(response, shown), shown, self.quirks)
        except ValueError as exc:
            raise OParlError(f"{shown}: {exc}") from exc

    def _decode(self, response: httpx.Response, url: str) -> Any:
        try:
            return decode_json(response.content, url, self.quirks)
        except ValueError as exc:
            raise OParlError(f"{url}: kein gültiges JSON ({type(exc).__name__})") from exc


def _is_json_object(response: httpx.Response) -> bool:
    try:
        return isinstance(response.json(), dict)
    except ValueError:
        return False
