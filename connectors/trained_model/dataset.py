"""Labelled documents from JSONL files, optionally gzipped (recognised by content).

One JSON object per line with `text` and `label` (for prediction `label` may be absent),
optionally `id` and `title`. Every problem names the file and the line, because these
files are exported by hand from other systems and fixed by hand, too.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GZIP_MAGIC = b"\x1f\x8b"


class DatasetError(ValueError):
    """A file that cannot be read as labelled documents; says where and why."""


@dataclass(frozen=True, slots=True)
class LabelledDocument:
    """One line of a JSONL file."""

    text: str
    label: str | None = None
    id: str | None = None
    title: str | None = None

    def classification_text(self, *, use_title: bool = True) -> str:
        """The text a classifier reads: title line, then body.

        This mirrors what the intake hands the classifier (`tasks/classification/
        extract.py`: the document's title first), so a model trained from such files
        sees documents as it will see them in production.
        """
        if use_title and self.title:
            return f"{self.title}\n{self.text}"
        return self.text


def _optional_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DatasetError(f"{where}: „{key}“ muss Text sein")
    return str(value)


def _document(line: bytes, where: str, require_label: bool) -> LabelledDocument | None:
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        raise DatasetError(f"{where}: kein UTF-8-Text") from None
    if not decoded.strip():
        return None
    try:
        obj = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: kein gültiges JSON ({exc.msg})") from None
    except RecursionError:
        raise DatasetError(f"{where}: JSON zu tief verschachtelt") from None
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: ein JSON-Objekt je Zeile erwartet")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{where}: „text“ fehlt oder ist leer")
    label = _optional_str(obj, "label", where)
    if label is not None and not label.strip():
        raise DatasetError(f"{where}: „label“ ist leer")
    if require_label and label is None:
        raise DatasetError(f"{where}: „label“ fehlt")
    title = _optional_str(obj, "title", where)
    return LabelledDocument(text, label, _optional_str(obj, "id", where), title)


def load_documents(path: Path, *, require_label: bool = True) -> list[LabelledDocument]:
    """Read every document of a JSONL file (gzip recognised by its first two bytes).

    Raises:
        DatasetError: for a missing, unreadable, damaged or empty file or any bad line.

    """
    try:
        with path.open("rb") as raw:
            zipped = raw.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise DatasetError(f"{path}: nicht lesbar ({exc.strerror or exc})") from None
    docs: list[LabelledDocument] = []
    number = 0
    try:
        with gzip.open(path, "rb") if zipped else path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                doc = _document(line, f"{path}, Zeile {number}", require_label)
                if doc is not None:
                    docs.append(doc)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        what = "gzip-Daten beschädigt" if zipped else "Lesefehler"
        raise DatasetError(f"{path}: {what} nach Zeile {number} ({type(exc).__name__})") from None
    if not docs:
        raise DatasetError(f"{path}: enthält keine Dokumente")
    return docs
