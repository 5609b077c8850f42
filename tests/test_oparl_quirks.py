"""Every deviation of real servers, injected by the test server: the walk survives, repairs
what it can and warns once with the URL; all of them at once still sync completely."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from connectors.oparl import ListPage
from connectors.oparl.client import OParlClient
from connectors.oparl.models import File, Meeting, Organization, Paper
from tests.conftest_oparl import (  # noqa: F401  (the fixtures register by import)
    fast_settings,
    oparl_engine_fixture,
    run_sync,
    spec_server_fixture,
)
from tests.oparl_server import Answer, OParlTestServer
from tests.oparl_worlds import FILES, MEETINGS, ORGS, PAPERS, raw_page

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def walk(
    server: OParlTestServer, delays: list[float] | None = None
) -> tuple[dict[str, list[ListPage]], OParlClient]:
    """Every page of the world, by kind, and the client (for its quirk log)."""
    client = OParlClient(fast_settings(), sleep=(delays.append if delays is not None else None))
    pages: dict[str, list[ListPage]] = {}
    with client:
        ((body, _),) = client.bodies(client.system(server.system_url))
        for page in client.pages(body):
            pages.setdefault(page.kind, []).append(page)
    return pages, client


def objects(pages: dict[str, list[ListPage]], kind: str) -> list[Any]:
    assert not [p.error for p in pages[kind] if p.error]
    return [obj for page in pages[kind] for obj, _ in page.entries]


def warned(caplog: pytest.LogCaptureFixture, quirk: str, url: str) -> bool:
    return any(quirk in r.message and url in r.message for r in caplog.records)


@pytest.fixture(autouse=True)
def _warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="connectors.oparl")


def test_empty_list_answered_with_404_and_json_error(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    spec_server.fixed[PAPERS] = Answer(404, b'{"error": {"code": 404, "message": "Keine Daten"}}')
    pages, client = walk(spec_server)
    assert objects(pages, "paper") == []
    assert client.quirks.summary()["empty_list_404"] == 1
    assert warned(caplog, "empty_list_404", spec_server.url(PAPERS))
    spec_server.fixed[PAPERS] = Answer(404, b"<html>Not Found</html>", "text/html")
    pages, _ = walk(spec_server)
    assert "HTTP 404" in str(pages["paper"][0].error)  # a real 404 stays an error


def test_bare_array_where_a_list_object_belongs(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    spec_server.fixed[ORGS] = Answer(body=b"[]")
    one = json.dumps(spec_server.lists[MEETINGS]).encode()
    spec_server.fixed[MEETINGS] = Answer(body=one)
    pages, client = walk(spec_server)
    assert objects(pages, "organization") == []
    assert [m.name for m in objects(pages, "meeting")] == ["4. Sitzung des Finanzausschusses"]
    assert client.quirks.summary()["bare_list"] == 2
    assert warned(caplog, "bare_list", spec_server.url(ORGS))


def test_single_object_where_an_array_belongs(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    meeting = spec_server.lists[MEETINGS][0]
    meeting["organization"] = meeting["organization"][0]
    meeting["auxiliaryFile"] = meeting["auxiliaryFile"][0]
    spec_server.fixed[PAPERS] = Answer(body=json.dumps(spec_server.lists[PAPERS][0]).encode())
    pages, client = walk(spec_server)
    (parsed,) = objects(pages, "meeting")
    assert isinstance(parsed, Meeting) and parsed.organization == [
        spec_server.url("/organization/34")
    ]
    assert [f.id for f in parsed.auxiliary_file if isinstance(f, File)] == [
        spec_server.url("/files/57739")
    ]
    assert [p.reference for p in objects(pages, "paper")] == ["1234/2014"]
    assert client.quirks.summary()["single_object"] == 3
    assert warned(caplog, "single_object", spec_server.url(MEETINGS))
    assert warned(caplog, "single_object", spec_server.url(PAPERS))


def test_deleted_object_without_type(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    gone = {
        "id": spec_server.url("/meeting/1"),
        "deleted": True,
        "modified": "2020-01-01T10:00:00+01:00",
    }
    spec_server.lists[MEETINGS].append(gone)
    pages, _ = walk(spec_server)
    deleted = [m for m in objects(pages, "meeting") if m.deleted]
    assert [(m.id, m.type) for m in deleted] == [(gone["id"], None)]
    assert warned(caplog, "deleted_without_type", spec_server.url(MEETINGS))


def test_mime_type_given_as_file_extension(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    spec_server.lists[FILES][0]["mimeType"] = "pdf"
    spec_server.lists[PAPERS][0]["mainFile"]["mimeType"] = "docx"
    pages, _ = walk(spec_server)
    assert [f.mime_type for f in objects(pages, "file")] == ["application/pdf"]
    (paper,) = objects(pages, "paper")
    assert isinstance(paper, Paper) and isinstance(paper.main_file, File)
    assert paper.main_file.mime_type == DOCX
    assert warned(caplog, "mime_type_short", spec_server.url(FILES))


def test_empty_strings_as_dates(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    spec_server.lists[MEETINGS][0].update(start="", end=" ")
    spec_server.lists[PAPERS][0]["date"] = ""
    spec_server.lists[ORGS][0]["startDate"] = "31.12.2012"  # not ISO: read as missing too
    pages, client = walk(spec_server)
    (meeting,) = objects(pages, "meeting")
    (paper,) = objects(pages, "paper")
    (org,) = objects(pages, "organization")
    assert (meeting.start, meeting.end, paper.date) == (None, None, None)
    assert isinstance(org, Organization) and org.start_date is None
    assert client.quirks.summary()["empty_date"] == 3 and client.quirks.summary()["bad_date"] == 1
    assert warned(caplog, "empty_date", spec_server.url(MEETINGS))


def test_unescaped_control_characters_inside_json(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    body = raw_page(
        spec_server, ORGS, ("Ausschuss für", "Ausschuss\x0b\tfür"), ("Haushalt", "Haus\x07halt")
    )
    spec_server.fixed[ORGS] = Answer(body=body)
    pages, _ = walk(spec_server)
    (org,) = objects(pages, "organization")
    assert org.name == "Ausschuss \tfür Haus halt und Finanzen"
    assert warned(caplog, "control_characters", spec_server.url(ORGS))


def test_sporadic_server_errors_are_retried_with_backoff(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    spec_server.fail(PAPERS, Answer(500), Answer(502, b"Bad Gateway", "text/plain"))
    delays: list[float] = []
    pages, _ = walk(spec_server, delays)
    assert [p.reference for p in objects(pages, "paper")] == ["1234/2014"]
    assert delays == [0.001, 0.002]
    assert warned(caplog, "server_error_retried", spec_server.url(PAPERS))


def test_non_breaking_spaces_become_spaces(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    spec_server.lists[PAPERS][0]["name"] = "Antwort\u00a0auf Anfrage\u00a01200/2014"
    spec_server.lists[PAPERS][0]["reference"] = "1234/2014\u00a0"
    pages, _ = walk(spec_server)
    (paper,) = objects(pages, "paper")
    assert (paper.name, paper.reference) == ("Antwort auf Anfrage 1200/2014", "1234/2014 ")
    assert warned(caplog, "non_breaking_space", spec_server.url(PAPERS))


def test_a_broken_embedded_object_is_dropped_not_its_parent(
    spec_server: OParlTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    meeting = spec_server.lists[MEETINGS][0]
    meeting["agendaItem"].insert(0, {"id": spec_server.url("/agendaitem/1"), "order": "erster"})
    meeting["auxiliaryFile"].append({"name": "ohne id"})
    pages, client = walk(spec_server)
    (page,) = pages["meeting"]
    ((parsed, _),) = page.entries
    assert isinstance(parsed, Meeting)
    assert [getattr(i, "number", None) for i in parsed.agenda_item] == ["10.1"]
    assert len(parsed.auxiliary_file) == 1
    # the dropped agenda item is named, so the list cannot count as complete
    assert page.invalid == [spec_server.url("/agendaitem/1")]
    assert page.error and spec_server.url("/agendaitem/1") in page.error
    assert client.quirks.summary()["invalid_object"] == 2
    assert warned(caplog, "invalid_object", spec_server.url(MEETINGS))
