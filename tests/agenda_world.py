"""An upcoming meeting with papers and files, added to the spec world of the OParl test server.

Served over HTTP like any OParl system: the sync stores it, the agenda builder reads it,
the outputs download the papers' files from the same server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.agenda_drafts import DOCUMENTS, PDF, SECRET_TITLE
from tests.oparl_server import OParlTestServer
from tests.oparl_worlds import MEETINGS, PAPERS

ORGANIZATION = "/organization/34"
PUBLIC_TITLE = "Bebauungsplan Nr. 7 „Am Mühlbach“"


@dataclass(frozen=True)
class AgendaWorld:
    """The ids a test needs."""

    meeting: str
    public_paper: str
    secret_paper: str


def _file(
    server: OParlTestServer, number: int, name: str, data: bytes, mime: str
) -> dict[str, Any]:
    path = f"/files/download/{number}"
    server.files[path] = data
    return {
        "id": server.url(f"/files/{number}"),
        "type": "https://schema.oparl.org/1.1/File",
        "name": name,
        "fileName": name,
        "mimeType": mime,
        "accessUrl": server.url(path),
        "downloadUrl": server.url(path),
        "modified": "2026-11-01T10:00:00+01:00",
    }


def _paper(
    server: OParlTestServer,
    number: int,
    title: str,
    meeting: str,
    files: list[dict[str, Any]],
) -> dict[str, Any]:
    paper_id = server.url(f"/paper/{number}")
    return {
        "id": paper_id,
        "type": "https://schema.oparl.org/1.1/Paper",
        "body": server.url("/body/0"),
        "name": title,
        "reference": f"VO/2026/{number}",
        "date": "2026-11-02",
        "paperType": "Beschlussvorlage",
        "mainFile": files[0],
        "auxiliaryFile": files[1:],
        "consultation": [
            {
                "id": server.url(f"/consultation/{number}"),
                "type": "https://schema.oparl.org/1.1/Consultation",
                "paper": paper_id,
                "meeting": meeting,
                "organization": [server.url(ORGANIZATION)],
                "authoritative": True,
                "role": "Beschlussfassung",
                "modified": "2026-11-02T10:00:00+01:00",
            }
        ],
        "modified": "2026-11-02T10:00:00+01:00",
    }


def add_upcoming_meeting(server: OParlTestServer, start: dt.datetime) -> AgendaWorld:
    """A meeting of the finance committee on `start` with three papers scheduled."""
    meeting_id = server.url("/meeting/900")
    meeting = {
        "id": meeting_id,
        "type": "https://schema.oparl.org/1.1/Meeting",
        "name": "5. Sitzung des Finanzausschusses",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=3)).isoformat(),
        "organization": [server.url(ORGANIZATION)],
        "modified": "2026-11-01T10:00:00+01:00",
    }
    public = _paper(
        server,
        901,
        PUBLIC_TITLE,
        meeting_id,
        [
            _file(
                server, 9011, "vorlage.pdf", (PDF / "crazyones.pdf").read_bytes(), "application/pdf"
            ),
            _file(
                server,
                9012,
                "anlage.docx",
                (DOCUMENTS / "docx" / "blk-paras-and-tables.docx").read_bytes(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        ],
    )
    secret = _paper(
        server,
        902,
        SECRET_TITLE,
        meeting_id,
        [
            _file(
                server,
                9021,
                "vorlage.pdf",
                (PDF / "hello-world.pdf").read_bytes(),
                "application/pdf",
            )
        ],
    )
    budget = _paper(
        server,
        903,
        "Haushaltssatzung 2027",
        meeting_id,
        [
            _file(
                server,
                9031,
                "vorlage.pdf",
                (PDF / "libreoffice-writer-password.pdf").read_bytes(),
                "application/pdf",
            )
        ],
    )
    server.lists[MEETINGS].append(meeting)
    server.lists[PAPERS].extend([public, secret, budget])
    for obj in (meeting, public, secret, budget):
        server.objects[urlsplit(obj["id"]).path] = obj
    return AgendaWorld(meeting_id, public["id"], secret["id"])


def synced_upcoming_meeting(server: OParlTestServer, tenant: str) -> AgendaWorld:
    """An upcoming meeting (in 40 days, 16:00 UTC) added to the server and synced fully."""
    from connectors.database import make_engine
    from models.settings import Settings
    from tasks.oparl_setup import prepare_sync
    from tests.conftest_oparl import run_sync

    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=40)).replace(
        hour=16, minute=0, second=0, microsecond=0
    )
    world = add_upcoming_meeting(server, start)
    settings = Settings()
    prepare_sync(settings, tenant, server.system_url)
    engine = make_engine(settings.effective_database_url)
    try:
        assert run_sync(engine, server.system_url, tenant, full=True).complete
    finally:
        engine.dispose()
    return world
