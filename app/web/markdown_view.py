"""The flows' markdown artifacts as plain structure for the clerks' run page.

The flows write their summaries as markdown for Prefect's console; shown raw, a clerk
reads pipes and asterisks. Only the little the flows write is understood (headings,
pipe tables, paragraphs, list items); everything stays text, escaped by the template,
so a document name inside a summary can never become markup.
"""

from __future__ import annotations

import re
from typing import Any

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def plain(text: str) -> str:
    """Inline markdown off: links become their text, emphasis and code marks go."""
    return _EMPHASIS.sub("", _LINK.sub(r"\1", text)).strip()


def _cells(line: str) -> list[str]:
    return [plain(c) for c in line.strip().strip("|").split("|")]


def blocks(markdown: str) -> list[dict[str, Any]]:
    """Headings, tables (headers + rows), list items and paragraphs, in order."""
    out: list[dict[str, Any]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        if line.startswith("|"):
            table = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                table.append(lines[i].strip())
                i += 1
            rows = [_cells(t) for t in table if not _RULE.match(t)]
            if rows:  # a table of nothing but separator lines shows nothing
                out.append({"kind": "table", "headers": rows[0], "rows": rows[1:]})
            continue
        if line.startswith("#"):
            out.append({"kind": "heading", "text": plain(line.lstrip("#"))})
        elif line[:2] in ("- ", "* "):
            out.append({"kind": "item", "text": plain(line[2:])})
        else:
            out.append({"kind": "para", "text": plain(line)})
        i += 1
    return out
