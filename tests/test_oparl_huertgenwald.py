"""Hürtgenwald's real council information system, served on 127.0.0.1, synced into SQLite
and PostgreSQL: once fully per database kind (module-scoped), then re-synced and changed."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, func, select

from connectors.database import make_engine, tenant_session, upgrade
from connectors.oparl import QuirkLog
from connectors.oparl.models import AgendaItem as AgendaItemModel
from connectors.oparl.sections import agenda_sections, is_section_marker
from models.oparl import AgendaItem, Consultation, File, Meeting, Paper
from models.oparl_sync import OParlSyncSummary
from tests.conftest import _pg_database
from tests.conftest_oparl import add_tenants, count, run_sync
from tests.oparl_server import HUERTGENWALD, OParlTestServer
from tests.oparl_worlds import load_huertgenwald

BODY = "/rim4220/webservice/oparl/v1.0/body/1"


@dataclass
class Synced:
    engine: Engine
    server: OParlTestServer
    summary: OParlSyncSummary
    seconds: float

    def id(self, path: str) -> str:
        return self.server.url(f"{BODY}/{path}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def synced(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Synced]:
    """The dump served and fully synced into tenant a-stadt, timed."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('h') / 'h.db'}"])
    else:
        urls = _pg_database()
    url = next(urls)
    engine = make_engine(url)
    upgrade(engine)
    add_tenants(engine)
    server = OParlTestServer()
    load_huertgenwald(server)
    try:
        with server.running():
            started = time.perf_counter()
            summary = run_sync(engine, server.system_url, full=True)
            seconds = time.perf_counter() - started
            logging.getLogger(__name__).warning("Hürtgenwald %s: %.2f s", request.param, seconds)
            yield Synced(engine, server, summary, seconds)
    finally:
        engine.dispose()
        next(urls, None)  # drops the PostgreSQL database


def _dump_entries(kind: str) -> list[dict[str, object]]:
    return [
        obj
        for page in sorted((HUERTGENWALD / "body" / "1").glob(f"{kind}*.json"))
        for obj in json.loads(page.read_text(encoding="utf-8"))["data"]
    ]


def test_full_sync_holds_the_whole_dump_in_time(synced: Synced) -> None:
    s = synced.summary
    assert s.complete and s.full and s.bodies == 1
    read = {kind: (c.seen, c.deleted, c.stored) for kind, c in s.objects.items()}
    assert read["paper"] == (2097, 18, 2097)
    assert read["meeting"] == (346, 21, 346)
    assert read["organization"] == (22, 0, 22)
    assert read["person"] == (49, 0, 49)
    assert read["agendaItem"] == (5106, 0, 5106)
    assert read["consultation"] == (2228, 0, 2228)
    assert read["file"][0] == read["file"][2] > 6000
    assert len(_dump_entries("paper")) == 2115 and len(_dump_entries("meeting")) == 367
    assert s.quirks["deleted_without_type"] == 39
    assert s.quirks["section_markers"] > 300 and s.quirks["missing_order"] > 300
    assert synced.seconds < 60
    # missing_ids.json names locations and per-organization meeting lists: never needed
    assert not any("/location/" in p for p in synced.server.paths_requested())


def test_agenda_keeps_server_order_and_derives_public_from_section_markers(
    synced: Synced,
) -> None:
    with tenant_session(synced.engine, "a-stadt") as session:
        items = session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == synced.id("meeting/898"))
            .order_by(AgendaItem.position)
        ).all()
    numbers = [i.number for i in items]
    assert numbers[5:10] == ["5.", "5.1", "5.11", "5.11.3", "5.12"]  # never sorted by number
    assert numbers.index("B") == 12
    markers = [(i.number, i.is_section, i.public) for i in items if i.is_section]
    assert markers == [("A", True, True), ("B", True, False)]
    assert all(i.public is True for i in items[:12])
    assert all(i.public is False and i.public_source == "section" for i in items[12:])
    assert all(i.order is None for i in items)


def test_links_the_agenda_builder_needs(synced: Synced) -> None:
    with tenant_session(synced.engine, "a-stadt") as session:
        paper = session.scalars(select(Paper).where(Paper.oparl_id == synced.id("paper/925"))).one()
        consultation = session.scalars(
            select(Consultation).where(Consultation.paper_id == paper.oparl_id)
        ).one()
        meeting = session.scalars(
            select(Meeting).where(Meeting.oparl_id == consultation.meeting_id)
        ).one()
        item = session.scalars(
            select(AgendaItem).where(AgendaItem.oparl_id == consultation.agenda_item_id)
        ).one()
        main = session.scalars(select(File).where(File.oparl_id == paper.main_file_id)).one()
    assert (paper.reference, paper.paper_type, paper.date) == (
        "133/2007",
        "Beschlussvorlage",
        dt.date(2007, 11, 29),
    )
    assert consultation.organization_ids == [synced.id("organization/1-2")]
    assert meeting.oparl_id == synced.id("meeting/348") and meeting.start is not None
    assert meeting.organization_id is not None
    assert item.meeting_id == meeting.oparl_id and item.consultation_id == consultation.oparl_id
    assert main.mime_type == "application/pdf" and main.access_url and main.download_url
    assert "consultation" in paper.raw and paper.raw["mainFile"] == main.oparl_id


def test_resync_is_idempotent(synced: Synced) -> None:
    def snapshot() -> list[tuple[int, str]]:
        with tenant_session(synced.engine, "a-stadt") as session:
            return list(session.execute(select(AgendaItem.id, AgendaItem.oparl_id)).tuples())

    before = snapshot()
    again = run_sync(synced.engine, synced.server.system_url, full=True)
    assert again.objects == synced.summary.objects
    assert sorted(snapshot()) == sorted(before)
    with tenant_session(synced.engine, "a-stadt") as session:
        ids = session.scalar(select(func.count(func.distinct(Paper.oparl_id))))
        assert ids == session.scalar(select(func.count()).select_from(Paper)) == 2115


def test_incremental_sync_reads_changes_and_deletions_only(synced: Synced) -> None:
    server = synced.server
    papers = server.list_objects(f"{BODY}/paper")
    meetings = server.list_objects(f"{BODY}/meeting")
    now = dt.datetime.now(dt.UTC).isoformat()
    p = next(i for i, o in enumerate(papers) if o["id"] == synced.id("paper/925"))
    m = next(i for i, o in enumerate(meetings) if o["id"] == synced.id("meeting/898"))
    n = next(i for i, o in enumerate(meetings) if o["id"] == synced.id("meeting/576"))
    saved = (papers[p], meetings[m], meetings[n])
    try:
        papers[p] = {**papers[p], "name": "Geänderter Titel", "modified": now}
        meetings[m] = {"id": meetings[m]["id"], "deleted": True, "modified": now}
        kept = [a for a in meetings[n]["agendaItem"] if a["number"] != "4."]
        meetings[n] = {**meetings[n], "agendaItem": kept, "modified": now}
        server.requests.clear()
        summary = run_sync(synced.engine, server.system_url)
    finally:
        papers[p], meetings[m], meetings[n] = saved
    assert not summary.full and summary.modified_since is not None
    assert summary.objects["paper"].seen == 1 and summary.objects["meeting"].seen == 1
    assert summary.objects["meeting"].deleted == 1
    lists = [p for p in server.paths_requested() if p.startswith(f"{BODY}/")]
    assert lists and all("modified_since=" in p for p in lists)
    with tenant_session(synced.engine, "a-stadt") as session:
        assert session.scalar(select(Paper.name).where(Paper.oparl_id == synced.id("paper/925")))
        paper = session.scalars(select(Paper).where(Paper.oparl_id == synced.id("paper/925")))
        assert paper.one().name == "Geänderter Titel"
        gone = select(AgendaItem.deleted).where(AgendaItem.meeting_id == synced.id("meeting/898"))
        assert set(session.scalars(gone)) == {True}
        dropped = select(AgendaItem.number, AgendaItem.deleted).where(
            AgendaItem.meeting_id == synced.id("meeting/576")
        )
        assert {num: d for num, d in session.execute(dropped).tuples()}["4."] is True
    assert count(synced.engine, "a-stadt", "meeting", deleted=False) == 345
    assert count(synced.engine, "b-dorf", "meeting") == 0


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("Öffentliche Sitzung", True),
        ("Nichtöffentliche Sitzung", False),
        ("< Sitzungsteil öffentlich >", True),
        ("< Sitzungsteil nichtöffentlich >", False),
        ("Nicht öffentlicher Teil", False),
        ("Öffentliche Bekanntmachungen", None),  # an item, no marker
        ("Mitteilungen", None),
    ],
)
def test_section_markers_are_known_by_name(name: str, public: bool | None) -> None:
    items = [AgendaItemModel(id="m", name=name), AgendaItemModel(id="i", name="Bauantrag")]
    (marker, after) = agenda_sections(items, "http://ris/meeting", QuirkLog())
    assert marker[0] is (public is not None) and is_section_marker(name) is marker[0]
    assert after == (False, public, "section" if public is not None else None)
