"""The OParl client: System → Body → the body's lists, page by page, and File downloads.

The lists of a body are walked concurrently (one thread per list, all requests through
the fetcher's semaphore); each list follows `links.next` with a guard against loops.
A list that fails ends with a page carrying the error, so the caller can store what it
got and know that this list is incomplete; nothing the server sends crashes the walk.
An object that cannot be read (or an agenda item or consultation its parent embeds) is
skipped but named in its page's error too, with the object to read again by its URL (the
object itself, or the parent that embeds the child): the sync keeps those for its next
run, so one broken object neither stops the list from counting as complete nor is
forgotten. An entry without an id cannot be read again: its list stays incomplete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError

from connectors.oparl.fetch import Fetcher, OParlError, TemporaryError, read_capped
from connectors.oparl.models import MODELS, Body, File, OParlObject, System
from connectors.oparl.quirks import Quirk, QuirkLog, check_deleted_type
from connectors.oparl.settings import OParlSettings


class ChecksumError(OParlError):
    """A downloaded file does not match the checksum the server gave for it."""


#: Children a parent embeds whose loss must be reported: kind -> (JSON key, model field).
EMBEDDED_CHILDREN = {
    "meeting": ("agendaItem", "agenda_item"),
    "paper": ("consultation", "consultation"),
}
#: How many unreadable ids an error names (the rest are counted), to keep summaries short.
MAX_NAMED = 20


@dataclass
class ListPage:
    """One page of a list: parsed objects with their raw JSON, and what makes it incomplete.

    `error` set means the page is not whole. Either it could not be read (then it is the
    list's last page), or it named objects that could not be read: their ids are in
    `invalid`, the readable rest is in `entries` and the walk goes on. `retry` holds the
    URLs that bring the skipped objects back when read again (the object, or its parent);
    `unfixable` is set when some skipped entry has no id to read it by.
    """

    kind: str
    url: str
    entries: list[tuple[OParlObject, dict[str, Any]]] = field(default_factory=list)
    error: str | None = None
    invalid: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    unfixable: bool = False

    @property
    def only_skipped(self) -> bool:
        """The page was read; its only fault is objects that can be read again later."""
        return bool(self.invalid) and not self.unfixable and bool(self.retry)


@dataclass
class _Read:
    """A page's data as parsed: readable entries, what was skipped, what to read again."""

    entries: list[tuple[OParlObject, dict[str, Any]]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    unfixable: bool = False

    def page(self, kind: str, url: str) -> ListPage:
        return ListPage(
            kind,
            url,
            self.entries,
            _invalid_error(url, self.invalid),
            self.invalid,
            self.retry,
            self.unfixable,
        )


@dataclass(frozen=True)
class Downloaded:
    """A file's bytes; `verified` says whether a checksum was given and matched."""

    data: bytes
    sha256: str
    verified: bool


class OParlClient:
    """Reads one OParl system; usable as a context manager."""

    def __init__(
        self,
        settings: OParlSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings or OParlSettings()
        self.quirks = QuirkLog()
        self._fetch = Fetcher(self.settings, self.quirks, transport=transport, sleep=sleep)

    def __enter__(self) -> OParlClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections."""
        self._fetch.close()

    def system(self, url: str) -> System:
        """The System object at the entry URL."""
        raw = self._fetch.get_object(url)
        if not isinstance(raw, dict):
            raise OParlError(f"{url}: kein OParl-System")
        return System.model_validate(raw, context={"quirks": self.quirks, "url": url})

    def bodies(self, system: System) -> list[tuple[Body, dict[str, Any]]]:
        """The bodies (municipalities) the system serves; a failing list raises."""
        if not system.body:
            raise OParlError(f"{system.id}: System nennt keine Körperschaften")
        out: list[tuple[Body, dict[str, Any]]] = []
        for page in self.walk_list("body", system.body):
            if page.error and not page.invalid:  # an unreadable body only loses itself
                raise OParlError(page.error)
            out += [(obj, raw) for obj, raw in page.entries if isinstance(obj, Body)]
        return out

    def walk_list(
        self, kind: str, url: str, modified_since: dt.datetime | None = None
    ) -> Iterator[ListPage]:
        """The pages of one list; follows `links.next`, never the same URL twice.

        Only a page without `links.next` ends a list. A next link back to a page already
        read leaves unknown pages unread, so it ends the walk with an error page: a full sync
        must not take the rows of those pages for deleted on the server.
        """
        params = {"modified_since": modified_since.isoformat()} if modified_since else None
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            if next_url in seen:
                self.quirks.note(Quirk.LIST_LOOP, next_url, "Seite schon gelesen")
                error = f"{url}: links.next führt zurück auf {next_url}, Liste unvollständig"
                yield ListPage(kind, next_url, error=error)
                return
            if len(seen) >= self.settings.max_pages:
                self.quirks.note(Quirk.LIST_LOOP, url, f"mehr als {len(seen)} Seiten")
                yield ListPage(kind, next_url, error=f"{url}: mehr als {len(seen)} Seiten")
                return
            seen.add(next_url)
            try:
                data = self._fetch.get_list_page(next_url, params)
            except OParlError as exc:
                yield ListPage(kind, next_url, error=str(exc))
                return
            yield self._entries(kind, data["data"], next_url).page(kind, next_url)
            params = None  # the server's next links carry the query themselves
            links = data.get("links")
            following = links.get("next") if isinstance(links, dict) else None
            next_url = following if isinstance(following, str) and following else None

    def _entries(self, kind: str, items: list[Any], url: str) -> _Read:
        """The readable objects of a page, and the ids of those (or their children) skipped."""
        model = MODELS[kind]
        context = {"quirks": self.quirks, "url": url}
        read = _Read()
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                self.quirks.note(Quirk.INVALID_OBJECT, url, "kein Objekt mit id")
                read.invalid.append(f"Eintrag {index + 1} ohne id")
                read.unfixable = True
                continue
            check_deleted_type(item, url, self.quirks)
            try:
                obj = model.model_validate(item, context=context)
            except ValidationError as exc:
                fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
                self.quirks.note(Quirk.INVALID_OBJECT, url, ", ".join(fields)[:200])
                read.invalid.append(item["id"])
                read.retry.append(item["id"])
                continue
            read.entries.append((obj, item))
            dropped = dropped_children(kind, obj, item)
            if dropped:  # the parent brings its children back when read again
                read.invalid += dropped
                read.retry.append(obj.id)
        return read

    def objects(self, kind: str, urls: list[str]) -> ListPage:
        """Objects of one kind read one by one by their URLs, as a page of their own.

        For objects a list named but could not read: the sync asks again each run until
        they can be read. One that cannot be fetched stays in `invalid` and `retry`; one
        the server no longer has (404, 410) is dropped: it is gone, and a list that still
        names it brings it back.
        """
        raws: list[Any] = []
        failed: list[str] = []
        for url in urls:
            try:
                fetched = self._fetch.get(url)
                if fetched.status_code in (404, 410):
                    self.quirks.note(Quirk.INVALID_OBJECT, url, f"HTTP {fetched.status_code}")
                    continue
                if fetched.status_code != 200:
                    raise OParlError(f"{url}: HTTP {fetched.status_code}")
                raw = self._fetch.decode(fetched.content, url)
            except OParlError as exc:
                self.quirks.note(Quirk.INVALID_OBJECT, url, str(exc)[:200])
                failed.append(url)
                continue
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                raws.append(raw)
            else:  # known by its URL all the same: asked again next time
                self.quirks.note(Quirk.INVALID_OBJECT, url, "kein Objekt mit id")
                failed.append(url)
        read = self._entries(kind, raws, urls[0] if urls else "")
        read.invalid += failed
        read.retry += failed
        return read.page(kind, f"{kind}: {len(urls)} Objekte erneut gelesen")

    def pages(self, body: Body, modified_since: dt.datetime | None = None) -> Iterator[ListPage]:
        """The pages of all the body's lists, walked concurrently, as they arrive."""
        lists = body.list_urls()
        done = object()
        arrived: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def walk(kind: str, url: str) -> None:
            try:
                for page in self.walk_list(kind, url, modified_since):
                    if stop.is_set():
                        return
                    arrived.put(page)
            except Exception as exc:  # a walker never takes the sync down with it
                arrived.put(ListPage(kind, url, error=f"{url}: {type(exc).__name__}: {exc}"))
            finally:
                arrived.put(done)

        with ThreadPoolExecutor(self.settings.concurrency, "oparl-list") as pool:
            for kind, url in lists.items():
                pool.submit(walk, kind, url)
            try:
                remaining = len(lists)
                while remaining:
                    item = arrived.get()
                    if item is done:
                        remaining -= 1
                    else:
                        yield item
            finally:
                stop.set()

    def download(self, file: File) -> Downloaded:
        """A file's bytes (downloadUrl, else accessUrl), checked against its checksums."""
        url = file.download_url or file.access_url
        if not url:
            raise OParlError(f"{file.id}: Datei ohne accessUrl")
        data = self._fetch.retrying(url, lambda: self._read_file(url))
        verified = False
        for algorithm, expected in (("sha1", file.sha1_checksum), ("sha512", file.sha512_checksum)):
            if expected:
                if hashlib.new(algorithm, data).hexdigest() != expected.strip().lower():
                    raise ChecksumError(f"{url}: {algorithm}Checksum stimmt nicht")
                verified = True
        return Downloaded(data, hashlib.sha256(data).hexdigest(), verified)

    def _read_file(self, url: str) -> bytes:
        limit = self.settings.max_file_bytes
        with self._fetch.http.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise TemporaryError(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise OParlError(f"{url}: HTTP {response.status_code}")
            data = read_capped(response, limit)
        if data is None:
            raise OParlError(f"{url}: größer als {limit} Bytes")
        return data


def dropped_children(kind: str, obj: OParlObject, raw: dict[str, Any]) -> list[str]:
    """Embedded agenda items or consultations the parent's raw JSON has but `obj` lacks.

    The lenient validator drops a broken embedded child and keeps its parent; the ids of
    such children (or their positions, when they have no id) must reach the sync's errors.
    """
    if kind not in EMBEDDED_CHILDREN or obj.deleted:
        return []
    key, attribute = EMBEDDED_CHILDREN[kind]
    value = raw.get(key)
    if value is None:
        return []
    children = value if isinstance(value, list) else [value]  # a single object: a quirk
    parsed = {child if isinstance(child, str) else child.id for child in getattr(obj, attribute)}
    dropped: list[str] = []
    for index, child in enumerate(children):
        ident = child.get("id") if isinstance(child, dict) else child
        if not isinstance(ident, str | int) or isinstance(ident, bool):
            dropped.append(f"{obj.id}: {key}[{index}] ohne id")
        elif str(ident) not in parsed:
            dropped.append(str(ident))
    return dropped


def _invalid_error(url: str, invalid: list[str]) -> str | None:
    """The error of a page that named unreadable objects; None when all could be read."""
    if not invalid:
        return None
    named = ", ".join(invalid[:MAX_NAMED])
    more = f" und {len(invalid) - MAX_NAMED} weitere" if len(invalid) > MAX_NAMED else ""
    return f"{url}: unlesbare Objekte übersprungen, Liste unvollständig: {named}{more}"
