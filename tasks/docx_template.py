"""Fill Word templates that a municipality edits itself, fast enough for mass intake.

python-docx needs ~15 ms to open a document; an intake of 10,000 submissions cannot
afford that per acknowledgement. So the template is opened once: runs that Word split
inside a `{{ placeholder }}` are joined, and each rendering is then a string
substitution in the XML parts plus a zip write (~1 ms).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import docx

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


class TemplateError(ValueError):
    """The template names a placeholder Amtsflow does not know, or is no DOCX."""


def _paragraphs(document: Any) -> Iterator[Any]:
    def walk(container: Any) -> Iterator[Any]:
        yield from container.paragraphs
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)

    yield from walk(document)
    for section in document.sections:
        for part in (section.header, section.footer):
            yield from walk(part)


def _join_split_placeholders(document: Any) -> None:
    for paragraph in _paragraphs(document):
        runs = paragraph.runs
        if "{{" not in paragraph.text or not runs:
            continue
        if all(PLACEHOLDER.search(r.text) or "{{" not in r.text for r in runs):
            continue  # every placeholder sits inside one run already
        runs[0].text = "".join(r.text for r in runs)
        for run in runs[1:]:
            run.text = ""


class DocxTemplate:
    """A DOCX template with `{{ name }}` placeholders."""

    def __init__(self, path: Path, allowed: set[str]) -> None:
        try:
            document = docx.Document(str(path))
        except Exception as exc:
            kind = type(exc).__name__
            raise TemplateError(f"{path}: keine lesbare Word-Vorlage ({kind})") from exc
        _join_split_placeholders(document)
        buffer = io.BytesIO()
        document.save(buffer)
        self._static: dict[str, bytes] = {}
        self._templated: dict[str, str] = {}
        with zipfile.ZipFile(buffer) as archive:
            for info in archive.infolist():
                data = archive.read(info)
                if info.filename.endswith(".xml") and b"{{" in data:
                    self._templated[info.filename] = data.decode("utf-8")
                else:
                    self._static[info.filename] = data
        self._order = [i.filename for i in zipfile.ZipFile(buffer).infolist()]
        used = {m for xml in self._templated.values() for m in PLACEHOLDER.findall(xml)}
        unknown = used - allowed
        if unknown:
            raise TemplateError(f"{path}: unbekannte Platzhalter {sorted(unknown)}")
        self.placeholders = used

    def render(self, values: Mapping[str, str]) -> bytes:
        """The filled document as DOCX bytes; values are XML-escaped."""

        def sub(match: re.Match[str]) -> str:
            return escape(values.get(match.group(1), ""))

        out = io.BytesIO()
        # Static parts are stored uncompressed: deflating the same styles and themes for
        # every acknowledgement cost more than all the database work of a case.
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            for name in self._order:
                if name in self._templated:
                    text = PLACEHOLDER.sub(sub, self._templated[name])
                    archive.writestr(name, text, zipfile.ZIP_DEFLATED, compresslevel=1)
                else:
                    archive.writestr(name, self._static[name])
        return out.getvalue()
