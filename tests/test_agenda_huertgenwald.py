"""The agenda builder and the replay on Hürtgenwald's real council data, served on 127.0.0.1
and synced into SQLite and PostgreSQL (once per database kind), and `amtsflow agenda replay`."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from connectors.database import make_engine, tenant_session, upgrade
from models.agenda import AgendaConfig, ItemKind
from models.settings import Settings
from models.tenant import Tenant
from tasks.agenda.archive import load_archive
from tasks.agenda.build import build_agenda
from tasks.agenda.replay import real_structure, replay
from tasks.oparl_setup import prepare_sync
from tests.conftest import _pg_database
from tests.conftest_oparl import add_tenants, run_sync
from tests.oparl_server import OParlTestServer
from tests.oparl_worlds import load_huertgenwald

BODY = "/rim4220/webservice/oparl/v1.0/body/1"
AMTSFLOW = str(Path(sys.executable).with_name("amtsflow"))
TENANT = Tenant.model_validate(
    {
        "slug": "a-stadt",
        "name": "A-Stadt",
        "ags": "09999001",
        "departments": [{"code": "1", "name": "Hauptamt"}],
    }
)
HEADING = "Beratung und Beschlussfassung über die Empfehlungen des "


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def synced(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, OParlTestServer]]:
    """The dump served and fully synced into tenant a-stadt."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('ah') / 'h.db'}"])
    else:
        urls = _pg_database()
    engine = make_engine(next(urls))
    try:
        upgrade(engine)
        add_tenants(engine)
        server = OParlTestServer()
        load_huertgenwald(server)
        with server.running():
            assert run_sync(engine, server.system_url, full=True).complete
            yield engine, server
    finally:
        engine.dispose()
        next(urls, None)


def _short(oparl_id: str | None) -> str:
    return (oparl_id or "").rsplit("/", 1)[-1]


def test_council_meeting_rebuilt_from_its_papers(synced: tuple[Engine, OParlTestServer]) -> None:
    engine, server = synced
    meeting = server.url(f"{BODY}/meeting/2524")  # Gemeinderat, 5. Sitzung, 01.07.2021
    with tenant_session(engine, "a-stadt") as session:
        draft = build_agenda(session, TENANT, meeting, today=dt.date(2021, 6, 20))
        archive = load_archive(session)
    real_order, _ = real_structure(archive.items[meeting])
    built = [i.paper_id for i in draft.items if i.paper_id]
    assert sorted(built) == sorted(real_order) and len(built) == 22  # every paper placed
    lines = [(i.number, i.kind, _short(i.paper_id), i.parent_number) for i in draft.items]
    # standing item first, then the Generationenausschuss' recommendations under one
    # heading with the committee's own item numbers (its items 2, 3, 4), as the body does
    assert lines[:5] == [
        ("1.", ItemKind.STANDING, "", None),
        ("2.", ItemKind.HEADING, "", None),
        ("2.2", ItemKind.PAPER, "3745", "2."),
        ("2.3", ItemKind.PAPER, "3714", "2."),
        ("2.4", ItemKind.PAPER, "3719", "2."),
    ]
    assert draft.items[1].title == HEADING + "Generationenausschusses"
    assert draft.items[0].title == "Fragestunde der Einwohner der Gemeinde Hürtgenwald"
    headings = [i.title.removeprefix(HEADING) for i in draft.items if i.kind is ItemKind.HEADING]
    assert headings == [
        "Generationenausschusses",
        "Ausschusses für Tourismus, Kultur und Ehrenamt",
        "Ausschusses für Gemeindeentwicklung und Nachhaltigkeit",
    ]
    gun = [(i.number, _short(i.paper_id)) for i in draft.items if i.parent_number == "4."]
    assert gun == [("4.1", "3747"), ("4.2", "3748"), ("4.4", "3743"), ("4.5", "3736")]
    # Mitteilungsvorlagen under "schriftliche Mitteilungen", numbered 'N.11', 'N.12', ...
    written = next(i for i in draft.items if i.title == "schriftliche Mitteilungen")
    filed = [i for i in draft.items if i.parent_number == written.number]
    assert {_short(i.paper_id) for i in filed} >= {"3750", "3754"}
    assert [i.number for i in filed][:2] == [written.number + "1", written.number + "2"]
    # the public part first; the non-public part keeps its standing items
    publics = [i.public for i in draft.items]
    assert publics == sorted(publics, reverse=True)
    assert [i.title for i in draft.items if not i.public and i.kind is ItemKind.STANDING] == [
        "Mitteilungen",
        "Fragen",
    ]
    assert draft.notice is not None and not draft.notice.late
    assert draft.notice.latest_invitation == dt.date(2021, 6, 24)
    assert draft.start is not None and draft.start.hour == 18  # Berlin time as published
    assert any("nichtöffentliche Vorlagen" in w for w in draft.warnings)
    assert all(i.flagged == (i.confidentiality_source.value == "doubt") for i in draft.items)


def test_other_tenant_sees_no_meeting(synced: tuple[Engine, OParlTestServer]) -> None:
    engine, server = synced
    other = TENANT.model_copy(update={"slug": "b-dorf"})
    with (
        tenant_session(engine, "b-dorf") as session,
        pytest.raises(LookupError, match="in den Daten der Gemeinde nicht vorhanden"),
    ):
        build_agenda(session, other, server.url(f"{BODY}/meeting/2524"))


def test_replay_of_one_meeting(synced: tuple[Engine, OParlTestServer]) -> None:
    engine, server = synced
    with tenant_session(engine, "a-stadt") as session:
        archive = load_archive(session)
    figures = replay(archive, AgendaConfig(), meeting_ids=[server.url(f"{BODY}/meeting/2524")])
    assert figures["meetings"] == 1 and figures["papers"] == 22
    assert figures["paper_recall"] == 1.0
    assert figures["grouping_accuracy"] is not None and figures["grouping_accuracy"] >= 0.8
    # 0.8268 measured on this meeting (the build is deterministic)
    assert figures["order_tau"] is not None and figures["order_tau"] >= 0.75


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_replay_prints_one_json_object(amtsflow_env: Path) -> None:
    server = OParlTestServer()
    load_huertgenwald(server)
    settings = Settings()
    with server.running():
        prepare_sync(settings, "musterstadt", server.system_url)
        engine = make_engine(settings.effective_database_url)
        try:
            assert run_sync(engine, server.system_url, "musterstadt", full=True).complete
        finally:
            engine.dispose()
        meeting = server.url(f"{BODY}/meeting/2524")

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [AMTSFLOW, "agenda", "replay", "--tenant", "musterstadt", *args, "--json"],
                env=dict(os.environ),
                capture_output=True,
                text=True,
                timeout=240,
            )

        done = run("--meeting", meeting)
        assert done.returncode == 0, done.stderr[-2000:]
        data = json.loads(done.stdout)
        assert data["tenant"] == "musterstadt" and data["meetings"] == 1
        for key in (
            "paper_recall",
            "order_tau",
            "grouping_accuracy",
            "nonpublic_recall",
            "nonpublic_precision",
        ):
            assert key in data
        assert data["paper_recall"] == 1.0
        unknown = run("--meeting", server.url(f"{BODY}/meeting/999999"))
        assert unknown.returncode == 2 and "nicht vorhanden" in json.loads(unknown.stdout)["error"]
