"""Field types that read what real servers send and report what they had to repair.

Each validator repairs one known deviation (empty or unreadable dates, single objects where
arrays belong, file extensions as MIME types, objects where URLs belong, one broken embedded
object) and notes it in the `QuirkLog` passed in the validation context
(`{"quirks": log, "url": page_url}`), so the warning can name the page it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BeforeValidator,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from connectors.oparl.quirks import Quirk, QuirkLog, mime_type

BERLIN = ZoneInfo("Europe/Berlin")


def _ctx(info: ValidationInfo) -> tuple[QuirkLog | None, str]:
    context = info.context if isinstance(info.context, dict) else {}
    return context.get("quirks"), str(context.get("url", "?"))


def _note(info: ValidationInfo, quirk: Quirk, detail: str = "") -> None:
    log, url = _ctx(info)
    if log is not None:
        log.note(quirk, url, detail)


def _timestamp(value: Any, info: ValidationInfo) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not value.strip():
        _note(info, Quirk.EMPTY_DATE, str(info.field_name))
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        _note(info, Quirk.BAD_DATE, str(info.field_name))
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=BERLIN)


def _day(value: Any, info: ValidationInfo) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    stamp = _timestamp(value, info)
    return stamp.date() if stamp is not None else None


def _as_list(value: Any, info: ValidationInfo) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    _note(info, Quirk.SINGLE_OBJECT, str(info.field_name))
    return [value]


def _each(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> list[Any]:
    """Embedded objects one by one: a broken one is dropped (and noted), not its parent."""
    out: list[Any] = []
    for item in _as_list(value, info):
        try:
            out += handler([item])
        except ValidationError:
            _note(info, Quirk.INVALID_OBJECT, str(info.field_name))
    return out


def _ref(value: Any) -> Any:
    """An embedded object where a URL belongs stands for its id."""
    return value["id"] if isinstance(value, dict) and isinstance(value.get("id"), str) else value


def _refs(value: Any, info: ValidationInfo) -> list[Any]:
    return [_ref(item) for item in _as_list(value, info)]


def _mime(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str):
        log, url = _ctx(info)
        return mime_type(value, url, log)
    return value


Timestamp = Annotated[dt.datetime | None, BeforeValidator(_timestamp)]
Day = Annotated[dt.date | None, BeforeValidator(_day)]
Ref = Annotated[str | None, BeforeValidator(_ref)]
Urls = Annotated[list[str], BeforeValidator(_refs)]
MimeType = Annotated[str | None, BeforeValidator(_mime)]
Each = WrapValidator(_each)
