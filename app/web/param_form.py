"""A start form built from a deployment's parameter schema, and its German validation.

The schema is what Prefect stores with the deployment (`parameter_openapi_schema`), with
the German titles and descriptions the flows declare. Supported field kinds: text (with
pattern and length), whole and decimal numbers (with bounds), yes/no, choices (enums and
Literals), dates, and lists of short texts (one per line). A parameter of another shape
keeps the deployment's value; if it is required and has none, the form says to ask the
IT provider. `tenant` is never a field: it is fixed by the deployment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

FIXED = frozenset({"tenant"})
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass
class FormField:
    """One input of the start form."""

    name: str
    title: str
    description: str
    kind: str  # text, integer, number, checkbox, select, date, lines, unsupported
    required: bool
    value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    constraints: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def html_id(self) -> str:
        """The id of the input element (labels and error messages point to it)."""
        return f"param-{self.name}"


def _resolve(schema: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`/`allOf`/`anyOf` (Optional) to the property's effective schema."""
    merged = {k: v for k, v in prop.items() if k not in {"allOf", "anyOf", "$ref"}}
    target: dict[str, Any] | None = None
    if "$ref" in prop:
        target = prop
    elif prop.get("allOf"):
        target = prop["allOf"][0]
    elif prop.get("anyOf"):
        non_null = [p for p in prop["anyOf"] if p.get("type") != "null"]
        merged["nullable"] = len(non_null) < len(prop["anyOf"])
        if len(non_null) == 1:
            target = non_null[0]
    if target is not None and "$ref" in target:
        name = target["$ref"].rsplit("/", 1)[-1]
        defs = schema.get("definitions") or schema.get("$defs") or {}
        target = defs.get(name, {})
    if target is not None:
        merged = {**target, **merged}
    return merged


def _kind(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "select"
    kind = prop.get("type")
    if kind == "string":
        return "date" if prop.get("format") == "date" else "text"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if kind == "boolean":
        return "checkbox"
    if kind == "array" and (prop.get("items") or {}).get("type") == "string":
        return "lines"
    return "unsupported"


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "checkbox":
        return "on" if value else ""
    if kind == "lines" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def build_fields(
    schema: dict[str, Any], preset: dict[str, Any], posted: dict[str, str] | None = None
) -> list[FormField]:
    """The form's fields in the schema's order, with presets or the values just posted."""
    properties: dict[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    order = sorted(properties, key=lambda n: properties[n].get("position", 0))
    fields: list[FormField] = []
    for name in order:
        if name in FIXED:
            continue
        prop = _resolve(schema, properties[name])
        kind = _kind(prop)
        default = preset.get(name, prop.get("default"))
        value = posted.get(name, "") if posted is not None else _shown(default, kind)
        constraints: dict[str, Any] = {
            k: prop[k]
            for k in ("minimum", "maximum", "minLength", "maxLength", "pattern", "minItems")
            if k in prop
        }
        options = [(str(v), str(v)) for v in prop.get("enum", [])]
        fields.append(
            FormField(
                name=name,
                title=str(prop.get("title") or name),
                description=str(prop.get("description") or ""),
                kind=kind,
                required=name in required and name not in preset and "default" not in prop,
                value=value,
                options=options,
                constraints=constraints,
            )
        )
    return fields


def _number(text: str, kind: str) -> int | float:
    cleaned = text.strip().replace(" ", "")
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", cleaned):
            raise ValueError("Bitte eine ganze Zahl eingeben (z. B. 60).")
        return int(cleaned)
    cleaned = cleaned.replace(".", "").replace(",", ".") if "," in cleaned else cleaned
    try:
        return float(cleaned)
    except ValueError as exc:
        raise ValueError("Bitte eine Zahl eingeben (z. B. 0,75).") from exc


def _date(text: str) -> str:
    match = _GERMAN_DATE.match(text.strip())
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day).isoformat()
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError as exc:
        raise ValueError("Bitte ein gültiges Datum eingeben (TT.MM.JJJJ).") from exc


def _convert(f: FormField, raw: str) -> Any:
    """The typed value of one posted field; ValueError with a German message."""
    c = f.constraints
    if f.kind in {"integer", "number"}:
        number = _number(raw, f.kind)
        if "minimum" in c and number < c["minimum"]:
            raise ValueError(f"Der Wert muss mindestens {c['minimum']} sein.")
        if "maximum" in c and number > c["maximum"]:
            raise ValueError(f"Der Wert darf höchstens {c['maximum']} sein.")
        return number
    if f.kind == "select":
        if raw not in {v for v, _ in f.options}:
            raise ValueError("Bitte einen der angebotenen Werte wählen.")
        return raw
    if f.kind == "date":
        return _date(raw)
    if f.kind == "lines":
        items = [line.strip() for line in raw.splitlines() if line.strip()]
        for item in items:
            _check_text(item, c)
        return items
    _check_text(raw, c)
    return raw


def _check_text(text: str, c: dict[str, Any]) -> None:
    if "minLength" in c and len(text) < c["minLength"]:
        raise ValueError(f"Bitte mindestens {c['minLength']} Zeichen eingeben.")
    if "maxLength" in c and len(text) > c["maxLength"]:
        raise ValueError(f"Bitte höchstens {c['maxLength']} Zeichen eingeben.")
    if "pattern" in c and re.search(c["pattern"], text) is None:
        raise ValueError("Die Eingabe hat nicht die erwartete Form (siehe Hinweis).")


def parse_form(fields: list[FormField], posted: dict[str, str]) -> dict[str, Any]:
    """Typed parameters from the posted form; sets `error` on each field that is wrong.

    Empty optional fields are left out, so the deployment's or the flow's default applies.
    Names not in the form (a hidden `tenant`, anything invented) are ignored.
    """
    params: dict[str, Any] = {}
    for f in fields:
        if f.kind == "unsupported":
            if f.required:
                f.error = (
                    "Dieser Wert kann hier nicht eingegeben werden; bitte den "
                    "IT-Dienstleister fragen."
                )
            continue
        raw = posted.get(f.name, "")
        if f.kind == "checkbox":
            params[f.name] = raw == "on"
            continue
        if not raw.strip():
            if f.required:
                f.error = f"Bitte füllen Sie das Feld „{f.title}“ aus."
            continue
        try:
            params[f.name] = _convert(f, raw.strip() if f.kind != "lines" else raw)
        except ValueError as exc:
            f.error = str(exc)
    return params
