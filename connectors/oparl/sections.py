"""The public and non-public parts of a meeting's agenda, as real servers mark them.

SD.NET (Hürtgenwald) and others never set `public` on agenda items; instead pseudo items
("A Öffentliche Sitzung", "B Nichtöffentliche Sitzung", "< Sitzungsteil öffentlich >")
open each part, in either order. The marker's name, not its letter, says which part follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from connectors.oparl.quirks import Quirk, QuirkLog

_SECTION = re.compile(
    r"^<?\s*(?:sitzungsteil\s*[:\-]?\s*)?(?P<non>nicht[\s-]?)?öffentlich(?:e|er)?"
    r"(?:\s+(?:sitzung|teil|sitzungsteil))?\s*>?$",
    re.IGNORECASE,
)


def is_section_marker(name: str | None) -> bool:
    """Whether an agenda item only marks the start of the public or non-public part."""
    return _SECTION.match((name or "").strip()) is not None


class _ItemLike(Protocol):
    name: str | None
    public: bool | None


def agenda_sections(
    items: Sequence[_ItemLike], url: str, log: QuirkLog
) -> list[tuple[bool, bool | None, str | None]]:
    """Per item: (is a section marker, public, where public came from).

    The server's `public` wins; an item without it takes its part's, and before the first
    marker nothing is known (None): the agenda builder must not guess "public" from silence.
    """
    out: list[tuple[bool, bool | None, str | None]] = []
    section: bool | None = None
    markers = missing = 0
    for item in items:
        match = _SECTION.match((item.name or "").strip())
        if match:
            markers += 1
            section = match.group("non") is None
            out.append((True, section, "section"))
        elif item.public is not None:
            out.append((False, item.public, "server"))
        else:
            missing += 1
            out.append((False, section, "section" if section is not None else None))
    if markers:
        log.note(Quirk.SECTION_MARKERS, url)
    if missing:
        log.note(Quirk.MISSING_PUBLIC, url)
    return out
