"""What the Word documents and the JSON export say, taken from one view of the agenda."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from tasks.agenda_outputs.view import AgendaView
from tasks.agenda_outputs.word import Row

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
PUBLIC_PART, NONPUBLIC_PART = "Öffentlicher Teil", "Nichtöffentlicher Teil"
OPARL_AGENDA_ITEM = "https://schema.oparl.org/1.1/AgendaItem"


def meeting_key(meeting_id: str, start: dt.datetime | None) -> str:
    """The meeting's folder name: date and a hash of its OParl id (never the id itself)."""
    day = start.astimezone(BERLIN).strftime("%Y-%m-%d") if start else "ohne-datum"
    return f"{day}-{hashlib.sha256(meeting_id.encode()).hexdigest()[:12]}"


def scalars(view: AgendaView, municipality: str, today: dt.date) -> dict[str, str]:
    """The meeting's placeholder values."""
    draft = view.draft
    start = draft.start.astimezone(BERLIN) if draft.start else None
    notice = draft.notice
    if view.public:
        part = "öffentlicher Teil"
        hint = (
            "Im Anschluss an den öffentlichen Teil findet ein nichtöffentlicher Teil statt."
            if view.has_nonpublic_part
            else ""
        )
    else:
        part = (
            "öffentlicher und nichtöffentlicher Teil" if draft.public_items else "nichtöffentlich"
        )
        hint = (
            "Die Unterlagen des nichtöffentlichen Teils sind vertraulich zu behandeln."
            if view.has_nonpublic_part
            else ""
        )
    return {
        "gemeinde": municipality,
        "gremium": draft.organization_name or "",
        "sitzung": draft.meeting_name or "Sitzung",
        "datum": start.strftime("%d.%m.%Y") if start else "",
        "wochentag": WEEKDAYS[start.weekday()] if start else "",
        "uhrzeit": start.strftime("%H:%M") if start else "",
        "ort": draft.location or "",
        "heute": today.strftime("%d.%m.%Y"),
        "ladungsfrist": (
            f"{notice.required_days} Tage, Einladung spätestens am "
            f"{notice.latest_invitation.strftime('%d.%m.%Y')}"
            if notice
            else ""
        ),
        "teil": part,
        "hinweis_nichtoeffentlich": hint,
    }


def rows(view: AgendaView) -> list[Row]:
    """Part headings and items in agenda order."""
    out: list[Row] = []
    current: bool | None = None
    for item in view.items:
        if item.public is not current:
            current = item.public
            out.append(Row("teil", {"titel": PUBLIC_PART if item.public else NONPUBLIC_PART}))
        out.append(
            Row(
                "top",
                {
                    "nummer": item.number,
                    "betreff": item.title,
                    "vorlage": item.paper_reference or "",
                    "teil": "öffentlich" if item.public else "nichtöffentlich",
                },
            )
        )
    return out


def oparl_agenda_items(view: AgendaView, tenant: str) -> dict[str, Any]:
    """The view as an OParl list of AgendaItem objects (the shape of a list response)."""
    key = meeting_key(view.draft.meeting_id, view.draft.start)
    data: list[dict[str, Any]] = []
    for order, item in enumerate(view.items, start=1):
        obj: dict[str, Any] = {
            "id": f"urn:amtsflow:{tenant}:agendaitem:{key}:{item.number}",
            "type": OPARL_AGENDA_ITEM,
            "meeting": view.draft.meeting_id,
            "number": item.number,
            "order": order,
            "name": item.title,
            "public": item.public,
        }
        if item.consultation_id:
            obj["consultation"] = item.consultation_id
        data.append(obj)
    return {
        "data": data,
        "pagination": {"totalElements": len(data), "elementsPerPage": len(data) or 1},
        "links": {},
    }


def json_strings(value: Any) -> list[str]:
    """Every string (keys too) in a JSON value, for the leak check."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *json_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []
