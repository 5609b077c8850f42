"""How a real agenda is structured: parts, headings and which item hangs under which.

SD.NET-style numbers ("15.", "15.1", "15.11", "7.110") cannot be parsed reliably, so a
sub-item's parent is the nearest earlier item without a paper whose number is a proper
prefix of the sub-item's number.
"""

from __future__ import annotations

from collections.abc import Sequence

from tasks.agenda.archive import ItemRecord
from tasks.agenda.text import strip_number


def parents(items: Sequence[ItemRecord]) -> list[ItemRecord | None]:
    """For each item (in position order) its parent heading, or None for top-level items."""
    found: list[ItemRecord | None] = []
    for k, item in enumerate(items):
        number = strip_number(item.number)
        parent = None
        for earlier in reversed(items[:k]):
            if earlier.paper_id is not None or earlier.is_section:
                continue
            prefix = strip_number(earlier.number)
            # "10" is no child of "1": below the top level a dot must follow ("1.2"); deeper
            # down SD.NET appends digits ("15.1" -> "15.11")
            if "." not in prefix:
                prefix += "."
            if prefix and number != prefix and number.startswith(prefix):
                parent = earlier
                break
        found.append(parent)
    return found


def uses_trailing_dot(items: Sequence[ItemRecord]) -> bool:
    """Whether the body writes top-level numbers as "5." (SD.NET) rather than "5"."""
    top = [i.number for i in items if not i.is_section and i.number and "." not in i.number[:-1]]
    return bool(top) and sum(n.endswith(".") for n in top) * 2 >= len(top)
