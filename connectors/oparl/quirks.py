"""Deviations of real OParl servers from the specification, each named, tolerated and logged.

A sync must survive every server the municipalities' IT providers run, so nothing here
raises: each deviation is repaired, counted in the `QuirkLog` and logged once per quirk and
URL with a warning that names the URL (never an object's content: it may be personal data).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from enum import StrEnum
from typing import Any

logger = logging.getLogger(__name__)


class Quirk(StrEnum):
    """The deviations we know from real servers."""

    EMPTY_LIST_404 = "empty_list_404"
    BARE_LIST = "bare_list"
    SINGLE_OBJECT = "single_object"
    DELETED_WITHOUT_TYPE = "deleted_without_type"
    MIME_TYPE_SHORT = "mime_type_short"
    EMPTY_DATE = "empty_date"
    BAD_DATE = "bad_date"
    CONTROL_CHARACTERS = "control_characters"
    SERVER_ERROR_RETRIED = "server_error_retried"
    NON_BREAKING_SPACE = "non_breaking_space"
    SECTION_MARKERS = "section_markers"
    MISSING_ORDER = "missing_order"
    MISSING_PUBLIC = "missing_public"
    DANGLING_REFERENCE = "dangling_reference"
    LIST_LOOP = "list_loop"
    INVALID_OBJECT = "invalid_object"


DESCRIPTION: dict[Quirk, str] = {
    Quirk.EMPTY_LIST_404: "leere Liste als HTTP 404 mit Fehlerobjekt: als leere Liste gelesen",
    Quirk.BARE_LIST: "nacktes Array statt Listenobjekt: als eine Seite gelesen",
    Quirk.SINGLE_OBJECT: "einzelnes Objekt statt Array: als Array mit einem Eintrag gelesen",
    Quirk.DELETED_WITHOUT_TYPE: "gelöschtes Objekt ohne type: Typ aus der Liste übernommen",
    Quirk.MIME_TYPE_SHORT: "mimeType als Dateiendung: in den MIME-Typ übersetzt",
    Quirk.EMPTY_DATE: "leere Zeichenkette als Datum: als fehlend gelesen",
    Quirk.BAD_DATE: "unlesbares Datum: als fehlend gelesen",
    Quirk.CONTROL_CHARACTERS: "Steuerzeichen im JSON: durch Leerzeichen ersetzt",
    Quirk.SERVER_ERROR_RETRIED: "vorübergehender Serverfehler: wiederholt",
    Quirk.NON_BREAKING_SPACE: "geschützte Leerzeichen: durch Leerzeichen ersetzt",
    Quirk.SECTION_MARKERS: "Sitzungsteile als Pseudo-Tagesordnungspunkte: public daraus abgeleitet",
    Quirk.MISSING_ORDER: "Tagesordnungspunkte ohne order: Reihenfolge der Liste verwendet",
    Quirk.MISSING_PUBLIC: "Tagesordnungspunkte ohne public",
    Quirk.DANGLING_REFERENCE: "Verweis auf ein Objekt, das der Server nicht liefert",
    Quirk.LIST_LOOP: "Liste endet nicht (links.next kreist oder zu viele Seiten): abgebrochen",
    Quirk.INVALID_OBJECT: "unlesbares Objekt: übersprungen",
}


class QuirkLog:
    """Counts deviations per quirk; warns once per quirk and URL (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._warned: set[tuple[Quirk, str]] = set()  # (quirk, URL without query)
        self.counts: Counter[Quirk] = Counter()

    def note(self, quirk: Quirk, url: str, detail: str = "") -> None:
        """Record one occurrence; the first per quirk and URL is logged as a warning.

        The pages of one list count as one URL (`?page=7` of the same list repeats the
        same deviation), so a long list yields one warning, with the URL of its first page.
        """
        where = url.split("?", 1)[0]
        with self._lock:
            self.counts[quirk] += 1
            first = (quirk, where) not in self._warned
            self._warned.add((quirk, where))
        if first:
            extra = f" ({detail})" if detail else ""
            logger.warning(
                "OParl-Abweichung %s bei %s: %s%s", quirk, url, DESCRIPTION[quirk], extra
            )

    def summary(self) -> dict[str, int]:
        """Counts per quirk name, sorted, for run summaries."""
        with self._lock:
            return {str(q): n for q, n in sorted(self.counts.items())}


def decode_json(content: bytes, url: str, log: QuirkLog) -> Any:
    """Parse JSON, tolerating raw control characters inside strings (cleaned afterwards).

    `content` comes capped (`fetch.read_capped`): parsing holds several times its size.
    """
    text = content.decode("utf-8-sig", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if "control character" not in exc.msg:
            raise
        log.note(Quirk.CONTROL_CHARACTERS, url)
        data = json.loads(text, strict=False)
    if _SUSPECT.search(text):
        data = clean_strings(data, url, log)
    return data


_SUSPECT = re.compile(r"[\u00a0\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\\u00[aA]0|\\u00[01][0-9a-fA-F]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_strings(data: Any, url: str, log: QuirkLog) -> Any:
    """Replace non-breaking spaces and control characters in every string by spaces."""
    found: set[Quirk] = set()

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            if "\u00a0" in value:
                found.add(Quirk.NON_BREAKING_SPACE)
                value = value.replace("\u00a0", " ")
            if _CONTROL.search(value):
                found.add(Quirk.CONTROL_CHARACTERS)
                value = _CONTROL.sub(" ", value)
            return value
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    cleaned = walk(data)
    for quirk in sorted(found):
        log.note(quirk, url)
    return cleaned


def as_list_page(data: Any, url: str, log: QuirkLog) -> dict[str, Any]:
    """A list page as the spec wants it (`data`, `links`), from whatever the server sent."""
    if isinstance(data, list):
        log.note(Quirk.BARE_LIST, url)
        return {"data": data, "links": {}}
    if isinstance(data, dict):
        if isinstance(data.get("data"), list):
            return data
        if isinstance(data.get("data"), dict):
            log.note(Quirk.SINGLE_OBJECT, url, "data")
            return {**data, "data": [data["data"]]}
        if "id" in data:
            log.note(Quirk.SINGLE_OBJECT, url, "Liste")
            return {"data": [data], "links": {}}
    raise ValueError("keine OParl-Liste")


def check_deleted_type(item: dict[str, Any], url: str, log: QuirkLog) -> None:
    """Deleted objects often lack `type`: the list they came from tells the kind instead."""
    if item.get("deleted") and not item.get("type"):
        log.note(Quirk.DELETED_WITHOUT_TYPE, url)


MIME_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
    "html": "text/html",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}


def mime_type(value: str, url: str, log: QuirkLog | None) -> str:
    """`pdf` or `docx` (a file extension) becomes the MIME type it stands for."""
    if "/" in value or not value.strip():
        return value
    if log is not None:
        log.note(Quirk.MIME_TYPE_SHORT, url)
    return MIME_TYPES.get(value.strip().lower().lstrip("."), "application/octet-stream")
