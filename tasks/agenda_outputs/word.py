"""Word templates the municipality edits itself: placeholders and a repeated item block.

A template is an ordinary DOCX. `{{ name }}` anywhere (body, tables, headers, footers) is
replaced by a value of the meeting. The paragraph or table row that holds `{{ top.… }}`
placeholders is the item block: it is repeated once per agenda item. A paragraph or row
holding `{{ teil.titel }}` is repeated at the start of each part (öffentlich /
nichtöffentlich). Word likes to split text into runs; a placeholder split across runs is
joined first. A broken template fails with the file and the placeholder named.
"""

from __future__ import annotations

import copy
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\s*\}\}")
_OPEN = re.compile(r"\{\{(?![^{}]*\}\})")  # an opening brace pair without its closing pair

#: What a template may use. Scalars are the meeting's; `top.*` and `teil.*` are per block.
SCALARS = frozenset(
    {
        "gemeinde",
        "gremium",
        "sitzung",
        "datum",
        "wochentag",
        "uhrzeit",
        "ort",
        "heute",
        "ladungsfrist",
        "teil",
        "hinweis_nichtoeffentlich",
    }
)
ITEM_FIELDS = frozenset({"top.nummer", "top.betreff", "top.vorlage", "top.teil"})
PART_FIELDS = frozenset({"teil.titel"})


class TemplateError(ValueError):
    """A template cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Row:
    """One repeated block: an item (`top.*` values) or a part heading (`teil.*`)."""

    kind: str  # "top" or "teil"
    values: Mapping[str, str]


def _paragraphs(element: Any) -> list[Any]:
    return list(element.iter(qn("w:p")))


def _join_runs(paragraph: Any) -> None:
    """Put a paragraph's text into its first run if a placeholder is split across runs."""
    texts = list(paragraph.iter(qn("w:t")))
    if len(texts) < 2:
        return
    joined = "".join(t.text or "" for t in texts)
    if "{{" not in joined:
        return
    if all(
        PLACEHOLDER.fullmatch(m.group(0)) and any(m.group(0) in (t.text or "") for t in texts)
        for m in PLACEHOLDER.finditer(joined)
    ):
        return
    texts[0].text = joined
    texts[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    for t in texts[1:]:
        t.text = ""


def _block(paragraph: Any) -> Any:
    """The element repeated for a paragraph: its table row if it sits in one, else itself."""
    node = paragraph
    while node is not None:
        if node.tag == qn("w:tr"):
            return node
        node = node.getparent()
    return paragraph


def _substitute(element: Any, values: Mapping[str, str]) -> None:
    for t in element.iter(qn("w:t")):
        if t.text and "{{" in t.text:
            t.text = PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), t.text)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


class AgendaTemplate:
    """A loaded, checked template; `render` fills a fresh copy each time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._data = path.read_bytes()
            document = docx.Document(BytesIO(self._data))
        except Exception as exc:
            raise TemplateError(
                f"{path}: keine lesbare Word-Vorlage ({type(exc).__name__})"
            ) from exc
        parts = self._parts(document)
        used: set[str] = set()
        for part in parts:
            for paragraph in _paragraphs(part):
                _join_runs(paragraph)
                text = "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
                broken = _OPEN.search(text)
                if broken:
                    fragment = text[broken.start() : broken.start() + 30]
                    raise TemplateError(f"{path}: Platzhalter nicht geschlossen: {fragment!r}")
                used |= set(PLACEHOLDER.findall(text))
        unknown = used - SCALARS - ITEM_FIELDS - PART_FIELDS
        if unknown:
            raise TemplateError(f"{path}: unbekannte Platzhalter {sorted(unknown)}")
        if "top.betreff" not in used:
            raise TemplateError(f"{path}: keine Zeile mit dem Platzhalter {{{{ top.betreff }}}}")
        self.placeholders = frozenset(used)
        self._check_blocks(document)

    @staticmethod
    def _parts(document: Any) -> list[Any]:
        parts = [document.element.body]
        for section in document.sections:
            for part in (section.header, section.footer):
                if not part.is_linked_to_previous:  # reading a linked one would create it
                    parts.append(part._element)
        return parts

    def _blocks(self, document: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for paragraph in _paragraphs(document.element.body):
            names = set(
                PLACEHOLDER.findall("".join(t.text or "" for t in paragraph.iter(qn("w:t"))))
            )
            for kind, fields in (("top", ITEM_FIELDS), ("teil", PART_FIELDS)):
                if names & fields:
                    block = _block(paragraph)
                    if found.setdefault(kind, block) is not block:
                        raise TemplateError(
                            f"{self.path}: Platzhalter {{{{ {kind}.… }}}} in mehr als einer "
                            "Zeile bzw. einem Absatz"
                        )
        return found

    def _check_blocks(self, document: Any) -> None:
        blocks = self._blocks(document)
        if "teil" in blocks and blocks["teil"] is blocks["top"]:
            raise TemplateError(
                f"{self.path}: {{{{ teil.titel }}}} und {{{{ top.… }}}} in einer Zeile"
            )

    def render(self, scalars: Mapping[str, str], rows: Sequence[Row]) -> bytes:
        """The filled document; one block per row, in order, where the item block stood."""
        document = docx.Document(BytesIO(self._data))
        for part in self._parts(document):
            for paragraph in _paragraphs(part):
                _join_runs(paragraph)
        blocks = self._blocks(document)
        anchor = blocks["top"]
        for row in rows:
            template = blocks.get(row.kind)
            if template is None:
                continue  # the template shows no part headings
            clone = copy.deepcopy(template)
            _substitute(clone, {f"{row.kind}.{k}": v for k, v in row.values.items()})
            anchor.addprevious(clone)
        for block in blocks.values():
            block.getparent().remove(block)
        for part in self._parts(document):
            _substitute(part, scalars)
        out = BytesIO()
        document.save(out)
        return _stable_zip(out.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same archive with fixed timestamps: the same agenda gives the same bytes (hash)."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def document_texts(data: bytes) -> list[str]:
    """Every paragraph's text of a DOCX (body, tables, headers, footers), for checks."""
    document = docx.Document(BytesIO(data))
    return [
        "".join(t.text or "" for t in p.iter(qn("w:t")))
        for part in AgendaTemplate._parts(document)
        for p in _paragraphs(part)
    ]
