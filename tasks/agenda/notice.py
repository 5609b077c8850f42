"""The notice period (Ladungsfrist): whether the invitation can still go out in time."""

from __future__ import annotations

import datetime as dt

from models.agenda import NoticeCheck


def _de(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def check_notice(meeting_start: dt.datetime, required_days: int, today: dt.date) -> NoticeCheck:
    """Whether an invitation sent today keeps `required_days` full days before the meeting.

    The latest day is the meeting day minus the period (a 7-day period for a meeting on
    a Thursday: invitation out by the Thursday before).
    """
    meeting_day = meeting_start.date()
    latest = meeting_day - dt.timedelta(days=required_days)
    late = today > latest
    if meeting_day < today:
        message = (
            f"Die Sitzung am {_de(meeting_day)} liegt in der Vergangenheit; "
            "eine Einladung ist nicht mehr möglich."
        )
        late = True
    elif late:
        message = (
            f"Ladungsfrist nicht eingehalten: Für die Sitzung am {_de(meeting_day)} hätte die "
            f"Einladung bis zum {_de(latest)} versandt werden müssen ({required_days} Tage "
            f"Frist), heute ist der {_de(today)} – {(today - latest).days} Tag(e) zu spät. "
            "Sitzung verlegen oder die Dringlichkeit in der Einladung begründen."
        )
    else:
        left = (latest - today).days
        message = (
            f"Ladungsfrist ({required_days} Tage) eingehalten, wenn die Einladung bis zum "
            f"{_de(latest)} versandt wird (noch {left} Tag(e))."
        )
    return NoticeCheck(
        required_days=required_days,
        meeting_start=meeting_start,
        latest_invitation=latest,
        checked_on=today,
        late=late,
        message=message,
    )
