"""PDF form fields (AcroForm): fully qualified name -> value as the sender typed it.

Values are normalised only where the PDF stores a code instead of text: checkboxes
become "ja"/"nein", a radio group its chosen option, push buttons are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pypdf import PdfReader
from pypdf.generic import IndirectObject

from connectors.documents.bounds import FieldSink

_RADIO = 1 << 15  # /Ff bit 16
_PUSHBUTTON = 1 << 16  # /Ff bit 17
_WIDGET_PAGES = 50  # pages searched for orphaned widgets
_WIDGET_ANNOTS = 2_000  # annotations looked at per page
_PARENT_DEPTH = 20  # pypdf itself stops form-field trees at 100


def form_fields(reader: PdfReader) -> dict[str, str]:
    """AcroForm fields by fully qualified name; widgets if the catalogue lost its form."""
    sink = FieldSink()
    fields = reader.get_fields() or {}
    for name, field in fields.items():
        if sink.full:
            break
        value = _field_value(field)
        if value is not None:
            sink.add(str(name), value)
    if not fields:
        _widget_fields(reader, sink)
    return sink.fields


def _widget_fields(reader: PdfReader, sink: FieldSink) -> None:
    """Fields from page widgets: pages cut out of a form keep widgets but no /AcroForm."""
    for page in reader.pages[:_WIDGET_PAGES]:
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if not isinstance(annots, list):
            continue
        for ref in annots[:_WIDGET_ANNOTS]:
            annot = ref.get_object()
            if not isinstance(annot, Mapping) or annot.get("/Subtype") != "/Widget":
                continue
            name, field = _qualified(annot)
            value = _field_value(field)
            if name and value is not None:
                sink.add(name, value)
            if sink.full:
                return


def _qualified(widget: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return a widget's dotted field name and its inheritable /FT, /V, /Ff entries."""
    names: list[str] = []
    field: dict[str, Any] = {}
    node: Any = widget
    for _ in range(_PARENT_DEPTH):
        if not isinstance(node, Mapping):
            break
        if "/T" in node:
            names.append(str(node["/T"]))
        for key in ("/FT", "/V", "/Ff"):
            if key in node and key not in field:
                field[key] = node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(names)), field


def _field_value(field: Mapping[str, Any]) -> str | None:
    """Render a field's value as text: checkboxes ja/nein, radio groups the option.

    Push buttons carry no value and are left out (None).
    """
    kind = field.get("/FT")
    value = field.get("/V")
    if isinstance(value, IndirectObject):
        value = value.get_object()
    if kind == "/Btn":
        flags = _int(field.get("/Ff"))
        if flags & _PUSHBUTTON:
            return None
        chosen = value is not None and str(value) != "/Off"
        if flags & _RADIO:
            return str(value).lstrip("/") if chosen else ""
        return "ja" if chosen else "nein"
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _int(value: object) -> int:
    """Read an integer PDF entry, 0 when missing or malformed."""
    return int(value) if isinstance(value, (int, float)) else 0
