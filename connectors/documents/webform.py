"""Web-form submissions: a JSON object, flattened to label -> value fields."""

from __future__ import annotations

import json

from connectors.documents.bounds import FieldSink, clip
from connectors.documents.failure import UnreadableError
from connectors.documents.models import DocumentKind, ParsedDocument, ParseFailure

_TITLE_KEYS = ("formular", "form", "form_type", "formType", "formularTyp")
_MAX_DEPTH = 50  # deeper nesting is no form a person filled in


def read_json(data: bytes) -> ParsedDocument:
    """Read a web-form submission.

    Args:
        data: The file's bytes (UTF-8, an optional BOM is allowed).

    Returns:
        The flattened fields; `title` is the form's own name when it states one.

    Raises:
        UnreadableError: Not UTF-8, not JSON, or not a JSON object.

    """
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UnreadableError(ParseFailure.DAMAGED, "json: not UTF-8") from None
    except ValueError as error:  # JSONDecodeError, or an integer beyond the digit limit
        raise UnreadableError(ParseFailure.DAMAGED, f"json: {type(error).__name__}") from None
    if not isinstance(value, dict):
        raise UnreadableError(ParseFailure.DAMAGED, "json: top level is not an object")
    sink = FieldSink()
    _flatten(value, "", sink, 0)
    return ParsedDocument(kind=DocumentKind.JSON, fields=sink.fields, title=_title(value))


def _title(form: dict[str, object]) -> str | None:
    """Return the form's name from the first top-level title key holding a scalar."""
    for key in _TITLE_KEYS:
        value = form.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = clip(str(value).strip(), 500)
            if text:
                return text
    return None


def _flatten(value: object, prefix: str, sink: FieldSink, depth: int) -> None:
    """Walk `value`, adding its scalars under dotted keys (list items by index)."""
    if sink.full:
        return
    if isinstance(value, dict):
        if depth >= _MAX_DEPTH:
            raise UnreadableError(ParseFailure.DAMAGED, "json: nested too deeply")
        for key, item in value.items():
            if sink.full:
                break
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), sink, depth + 1)
    elif isinstance(value, list):
        if depth >= _MAX_DEPTH:
            raise UnreadableError(ParseFailure.DAMAGED, "json: nested too deeply")
        for index, item in enumerate(value):
            if sink.full:
                break
            _flatten(item, f"{prefix}.{index}" if prefix else str(index), sink, depth + 1)
    elif isinstance(value, bool):
        sink.add(prefix, "ja" if value else "nein")
    elif value is not None:
        sink.add(prefix, str(value))
