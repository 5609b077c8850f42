"""The sync over the spec examples (an OParl 1.1 world with every list) on both databases:
embedded and listed objects merge, tenants stay apart, failures never delete."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select

from connectors.database import tenant_session
from connectors.oparl.client import OParlClient
from connectors.storage import TenantStorage
from models.oparl import (
    AgendaItem,
    Consultation,
    File,
    Meeting,
    OParlSyncState,
    Organization,
    Paper,
)
from tasks.oparl_files import download_files
from tasks.secrets import oparl_settings_for
from tests.conftest_oparl import (  # noqa: F401  (the fixtures register by import)
    count,
    fast_settings,
    oparl_engine_fixture,
    run_sync,
    spec_server_fixture,
)
from tests.oparl_server import Answer, OParlTestServer
from tests.oparl_worlds import FILES, MEETINGS, ORGS, PAPERS, load_spec, raw_page


def _path(server: OParlTestServer, url: str) -> str:
    return url.removeprefix(server.base)


def test_spec_world_is_stored_with_embedded_and_listed_objects_merged(
    spec_server: OParlTestServer, oparl_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    summary = run_sync(oparl_engine, spec_server.system_url)
    assert summary.complete and summary.full
    assert {k: c.stored for k, c in summary.objects.items()} == {
        "body": 1,
        "organization": 1,
        "person": 1,
        "meeting": 1,
        "agendaItem": 1,
        "paper": 1,
        "consultation": 1,
        "file": 2,  # 57737 listed and the paper's main file; 57739 embedded five times
    }
    with tenant_session(oparl_engine, "a-stadt") as session:
        item = session.scalars(select(AgendaItem)).one()
        consultation = session.scalars(select(Consultation)).one()
        meeting = session.scalars(select(Meeting)).one()
        files = {f.oparl_id: f for f in session.scalars(select(File))}
    # the listed copy (no position) did not erase what the embedded one told
    assert (item.position, item.number, item.public, item.public_source) == (
        0,
        "10.1",
        True,
        "server",
    )
    assert item.meeting_id == meeting.oparl_id and item.order is None
    assert str(consultation.paper_id).endswith("/paper/749")
    assert consultation.role == "Beschlussfassung"
    assert meeting.auxiliary_file_ids == [spec_server.url("/files/57739")]
    assert str(files[spec_server.url("/files/57737")].sha1_checksum).startswith("d749751a")
    assert "agendaItem" in meeting.raw and meeting.raw["agendaItem"] == [item.oparl_id]
    # Meeting-01's agenda item lacks the `order` OParl 1.1 requires: tolerated, named
    assert summary.quirks.get("missing_order") == 1
    assert any("missing_order" in r.message and "/meetings/" in r.message for r in caplog.records)


def test_a_sync_of_one_tenant_never_touches_another(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    run_sync(oparl_engine, spec_server.system_url, "a-stadt")
    run_sync(oparl_engine, spec_server.system_url, "b-dorf")
    with tenant_session(oparl_engine, "b-dorf") as session:
        before = [(p.id, p.seen_at, p.deleted) for p in session.scalars(select(Paper))]
    # the paper (and its consultation) is deleted on the server, the meeting vanishes
    papers = spec_server.lists[_path(spec_server, spec_server.url("/body/0/papers/"))]
    now = dt.datetime.now(dt.UTC).isoformat()
    papers[0] = {"id": papers[0]["id"], "deleted": True, "modified": now}
    listed = spec_server.lists[_path(spec_server, spec_server.url("/body/0/consultations/"))]
    listed[0] = {"id": listed[0]["id"], "deleted": True, "modified": now}
    incremental = run_sync(oparl_engine, spec_server.system_url, "a-stadt")
    assert not incremental.full and incremental.objects["paper"].deleted == 1
    spec_server.lists[_path(spec_server, spec_server.url("/body/0/meetings/"))].clear()
    run_sync(oparl_engine, spec_server.system_url, "a-stadt", full=True)
    assert count(oparl_engine, "a-stadt", "paper", deleted=True) == 1
    assert count(oparl_engine, "a-stadt", "consultation", deleted=True) == 1
    assert count(oparl_engine, "a-stadt", "meeting", deleted=True) == 1
    with tenant_session(oparl_engine, "b-dorf") as session:
        after = [(p.id, p.seen_at, p.deleted) for p in session.scalars(select(Paper))]
    assert after == before
    for kind in ("paper", "meeting", "consultation", "agendaItem", "file"):
        assert count(oparl_engine, "b-dorf", kind, deleted=True) == 0
        assert count(oparl_engine, "b-dorf", kind) == count(oparl_engine, "a-stadt", kind)


def test_a_list_that_fails_is_reported_and_deletes_nothing(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    first = run_sync(oparl_engine, spec_server.system_url)
    papers = _path(spec_server, spec_server.url("/body/0/papers/"))
    spec_server.fixed[papers] = Answer(status=503, body=b"busy")
    spec_server.lists[papers].clear()
    failed = run_sync(oparl_engine, spec_server.system_url, full=True)
    assert not failed.complete
    assert len(failed.errors) == 1 and spec_server.url(papers) in failed.errors[0]
    assert count(oparl_engine, "a-stadt", "paper", deleted=False) == 1  # not swept
    assert count(oparl_engine, "a-stadt", "file", deleted=False) == 2
    with tenant_session(oparl_engine, "a-stadt") as session:
        state = session.scalars(select(OParlSyncState)).one()
    assert state.last_error and papers in state.last_error
    stamp = state.last_success_at
    assert stamp is not None and first.objects["paper"].stored == 1
    # the next run still asks for changes since the last *successful* run
    again = run_sync(oparl_engine, spec_server.system_url)
    assert again.modified_since is not None
    assert again.modified_since.replace(tzinfo=None) < stamp.replace(tzinfo=None)


def test_dangling_references_are_counted_and_named(
    spec_server: OParlTestServer, oparl_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    missing = spec_server.url("/meeting/243")  # Paper-01's consultation names it; not served
    summary = run_sync(oparl_engine, spec_server.system_url)
    assert summary.complete and summary.dangling_references >= 1
    assert any("dangling_reference" in r.message and missing in r.message for r in caplog.records)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_files_are_fetched_once_into_the_store_and_checked(
    spec_server: OParlTestServer, oparl_engine: Engine, tmp_path: Path
) -> None:
    pdf = b"%PDF-1.4 Vorlage 1234/2014"
    spec_server.files["/files/download/57737.pdf"] = pdf
    spec_server.files["/files/download/57739.pdf"] = b"anders als angegeben"
    spec_server.lists["/body/0/files/"][0]["sha1Checksum"] = hashlib.sha1(pdf).hexdigest()
    run_sync(oparl_engine, spec_server.system_url)
    storage = TenantStorage(tmp_path, "a-stadt")
    with tenant_session(oparl_engine, "a-stadt") as session:
        paper = session.scalars(select(Paper)).one()
    wanted = [str(paper.main_file_id), *paper.auxiliary_file_ids]
    with OParlClient(fast_settings()) as client:
        first = download_files(oparl_engine, "a-stadt", client, storage, wanted)
        assert first.stored == 1 and first.present == 0
        assert list(first.failed) == [spec_server.url("/files/57739")]
        assert "sha1Checksum" in first.failed[spec_server.url("/files/57739")]
        before = len(spec_server.requests)
        again = download_files(oparl_engine, "a-stadt", client, storage, wanted)
    assert again.present == 1 and again.stored == 0 and len(again.failed) == 1
    assert len(spec_server.requests) == before + 1  # only the failed one is tried again
    with tenant_session(oparl_engine, "a-stadt") as session:
        main = session.scalars(select(File).where(File.oparl_id == paper.main_file_id)).one()
    assert main.stored_sha256 == hashlib.sha256(pdf).hexdigest() and main.downloaded_at
    assert storage.path_for(main.stored_sha256).read_bytes() == pdf


def test_every_quirk_at_once_still_syncs_completely(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    spec_server.fixed["/body/0/persons/"] = Answer(404, b'{"error": "leer"}')
    spec_server.fixed["/body/0/agendaItems/"] = Answer(body=b"[]")
    meeting = spec_server.lists[MEETINGS][0]
    meeting.update(organization=meeting["organization"][0], start="", name="4.\u00a0Sitzung")
    spec_server.lists[MEETINGS].append({"id": spec_server.url("/meeting/9"), "deleted": True})
    spec_server.lists[FILES][0]["mimeType"] = "pdf"
    spec_server.fixed[ORGS] = Answer(body=raw_page(spec_server, ORGS, ("Haushalt", "Haus\x01halt")))
    spec_server.fail(PAPERS, Answer(500))
    summary = run_sync(oparl_engine, spec_server.system_url)
    assert summary.complete, summary.errors
    assert {
        "empty_list_404",
        "bare_list",
        "single_object",
        "deleted_without_type",
        "mime_type_short",
        "empty_date",
        "control_characters",
        "server_error_retried",
        "non_breaking_space",
    } <= set(summary.quirks)
    with tenant_session(oparl_engine, "a-stadt") as session:
        stored = {m.oparl_id: m for m in session.scalars(select(Meeting))}
        org = session.scalars(select(Organization)).one()
        listed = session.scalars(select(File).where(File.oparl_id.endswith("/57737")))
        assert listed.one().mime_type == "application/pdf"
    live = stored[spec_server.url("/meeting/281")]
    assert (live.name, live.start, live.organization_id) == (
        "4. Sitzung",
        None,
        spec_server.url("/organization/34"),
    )
    assert stored[spec_server.url("/meeting/9")].deleted
    assert org.name == "Ausschuss für Haus halt und Finanzen"


def test_an_oversize_list_page_is_recorded_as_an_error(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    big = {"data": spec_server.lists[PAPERS] * 100, "links": {}}
    spec_server.fixed[PAPERS] = Answer(body=json.dumps(big).encode())
    summary = run_sync(oparl_engine, spec_server.system_url, max_page_bytes=16_384)
    assert not summary.complete
    (error,) = summary.errors
    assert spec_server.url(PAPERS) in error and "größer als 16384 Bytes" in error
    assert summary.objects["meeting"].stored == 1  # the other lists were read
    with tenant_session(oparl_engine, "a-stadt") as session:
        state = session.scalars(select(OParlSyncState)).one()
    assert state.last_success_at is None and state.last_error == error


def test_a_key_is_only_used_for_the_tenants_own_system(
    spec_server: OParlTestServer, tenants_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the installation-wide key belongs to the system the tenant file names; a run a clerk
    # points at another URL (here: a second server) reads it without any key
    monkeypatch.setenv("AMTSFLOW_TENANTS", str(tenants_dir))
    monkeypatch.setenv("AMTSFLOW_OPARL_API_KEY", "geheim-123")
    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"oparl:\n  system_url: {spec_server.system_url}\n")
    other = OParlTestServer()
    load_spec(other)
    own = oparl_settings_for("nebenan", spec_server.system_url)
    assert own.api_key is not None and own.system_url == spec_server.system_url
    elsewhere = oparl_settings_for("nebenan", other.system_url)
    assert elsewhere.api_key is None and elsewhere.system_url is None
    assert oparl_settings_for("musterstadt", spec_server.system_url).api_key is None
    with other.running():
        for settings, url in ((own, spec_server.system_url), (elsewhere, other.system_url)):
            with OParlClient(settings) as client:
                ((body, _),) = client.bodies(client.system(url))
                assert sum(len(p.entries) for p in client.pages(body)) == 7
    assert {h.get("Authorization") for _p, h in spec_server.requests} == {"Bearer geheim-123"}
    assert other.requests and all("Authorization" not in h for _p, h in other.requests)


def _children(server: OParlTestServer, template: dict[str, object], path: str) -> list[dict]:
    """Three embedded children made from a spec example, the third one non-public."""
    return [
        {**template, "id": server.url(f"{path}/900{n}"), "name": f"Punkt {n}", "public": n != 3}
        for n in (1, 2, 3)
    ]


def test_a_broken_embedded_child_neither_shifts_raw_json_nor_gets_deleted(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    meeting, paper = spec_server.lists[MEETINGS][0], spec_server.lists[PAPERS][0]
    items = meeting["agendaItem"] = _children(spec_server, meeting["agendaItem"][0], "/item")
    consultations = _children(spec_server, paper["consultation"][0], "/consultation")
    paper["consultation"] = consultations
    assert run_sync(oparl_engine, spec_server.system_url).complete
    items[0]["order"] = "erster"  # not a number: the first item cannot be read
    consultations[0]["authoritative"] = "vielleicht"
    meeting["modified"] = paper["modified"] = dt.datetime.now(dt.UTC).isoformat()
    changes = run_sync(oparl_engine, spec_server.system_url)  # incremental: no sweep
    # the lists were read to their end: the window moves on, the parents are kept to
    # read again (meeting and paper), the skipped children are named
    assert not changes.full and changes.complete and changes.pending == 2
    assert items[0]["id"] in "\n".join(changes.unreadable)
    assert consultations[0]["id"] in "\n".join(changes.unreadable)
    full = run_sync(oparl_engine, spec_server.system_url, full=True)
    assert full.complete and full.pending == 2  # swept, but not the unreadable children
    with tenant_session(oparl_engine, "a-stadt") as session:
        stored = {i.oparl_id: i for i in session.scalars(select(AgendaItem))}
        advised = {c.oparl_id: c for c in session.scalars(select(Consultation))}
    for position, sent in enumerate(items[1:], start=1):
        row = stored[sent["id"]]
        assert (row.raw["id"], row.raw["name"], row.position) == (
            sent["id"],
            sent["name"],
            position,
        )
        assert row.raw["public"] is row.public is sent["public"]
    for sent in consultations[1:]:
        assert (advised[sent["id"]].raw["id"], advised[sent["id"]].raw["name"]) == (
            sent["id"],
            sent["name"],
        )
    # the unreadable ones still exist on the server: neither run marked them deleted
    assert not stored[items[0]["id"]].deleted and not advised[consultations[0]["id"]].deleted
    # repaired on the server without a new `modified`: the next run reads the parents again
    items[0]["order"], items[0]["name"] = 1, "Punkt 1 (berichtigt)"
    consultations[0]["authoritative"] = True
    repaired = run_sync(oparl_engine, spec_server.system_url)
    assert repaired.complete and repaired.pending == 0 and not repaired.unreadable
    with tenant_session(oparl_engine, "a-stadt") as session:
        item = session.scalars(select(AgendaItem).where(AgendaItem.oparl_id == items[0]["id"]))
        assert item.one().raw["name"] == "Punkt 1 (berichtigt)"


def test_an_unreadable_object_is_kept_and_read_again_next_time(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    orgs = spec_server.lists[ORGS]
    orgs.append({**orgs[0], "id": spec_server.url("/organization/35"), "name": "Rat"})
    assert run_sync(oparl_engine, spec_server.system_url).complete
    broken = orgs[1]
    broken.update(classification=["kein", "Text"], modified=dt.datetime.now(dt.UTC).isoformat())
    failed = run_sync(oparl_engine, spec_server.system_url)
    # one broken object does not hold the window back: it is kept to be read again
    assert failed.complete and failed.pending == 1 and not failed.errors
    assert broken["id"] in "\n".join(failed.unreadable)
    full = run_sync(oparl_engine, spec_server.system_url, full=True)
    assert full.complete and full.pending == 1
    assert count(oparl_engine, "a-stadt", "organization", deleted=False) == 2  # not swept
    broken["classification"] = "Ausschuss"  # repaired on the server, `modified` unchanged
    before = len(spec_server.requests)
    again = run_sync(oparl_engine, spec_server.system_url)
    # the window moved on past the failure, and the object was asked for by its URL
    assert again.complete and again.pending == 0 and not again.unreadable
    assert failed.modified_since and again.modified_since
    assert again.modified_since.replace(tzinfo=None) > failed.modified_since.replace(tzinfo=None)
    asked = [urlsplit(p).path for p, _ in spec_server.requests[before:]]
    assert urlsplit(broken["id"]).path in asked
    with tenant_session(oparl_engine, "a-stadt") as session:
        row = session.scalars(select(Organization).where(Organization.oparl_id == broken["id"]))
        assert row.one().classification == "Ausschuss"


def test_a_next_link_back_to_a_page_already_read_sweeps_nothing(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    spec_server.page_size = 1
    orgs = spec_server.lists[ORGS]
    orgs += [{**orgs[0], "id": spec_server.url(f"/organization/{n}")} for n in (35, 36)]
    assert run_sync(oparl_engine, spec_server.system_url).complete
    second = spec_server._page(ORGS, {"page": ["2"]})
    second["links"]["next"] = spec_server.url(ORGS)  # 1 -> 2 -> 1: page 3 is never read
    spec_server.fixed[ORGS + "?page=2"] = Answer(body=json.dumps(second).encode())
    full = run_sync(oparl_engine, spec_server.system_url, full=True)
    assert not full.complete and "links.next führt zurück" in "\n".join(full.errors)
    assert count(oparl_engine, "a-stadt", "organization", deleted=False) == 3


def test_an_entry_without_id_leaves_its_list_incomplete(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    # nothing names it, so it cannot be asked for again: the window must stay
    orgs = spec_server.lists[ORGS]
    orgs.append({**orgs[0], "id": spec_server.url("/organization/35"), "name": "Rat"})
    assert run_sync(oparl_engine, spec_server.system_url).complete
    held = _success_times(oparl_engine)
    orgs.append({"type": "https://schema.oparl.org/1.1/Organization", "name": "ohne"})
    broken = run_sync(oparl_engine, spec_server.system_url, full=True)
    assert not broken.complete and broken.pending == 0
    assert "Eintrag 3 ohne id" in "\n".join(broken.errors)
    assert count(oparl_engine, "a-stadt", "organization", deleted=False) == 2  # not swept
    assert _success_times(oparl_engine) == held  # the next run asks from the same time


def _success_times(engine: Engine) -> tuple[object, object]:
    with tenant_session(engine, "a-stadt") as session:
        state = session.scalars(select(OParlSyncState)).one()
        return state.last_success_at, state.last_full_at


def test_a_skipped_meeting_keeps_its_agenda_items_and_a_gone_one_is_dropped(
    spec_server: OParlTestServer, oparl_engine: Engine
) -> None:
    system = spec_server.objects[urlsplit(spec_server.system_url).path]
    (body,) = spec_server.lists[urlsplit(system["body"]).path]
    for key in ("agendaItem", "consultation", "file"):  # OParl 1.0: only embedded
        del body[key]
    meeting = spec_server.lists[MEETINGS][0]
    assert run_sync(oparl_engine, spec_server.system_url).complete
    items_before = count(oparl_engine, "a-stadt", "agendaItem", deleted=False)
    assert items_before > 0
    meeting["name"] = ["kein", "Text"]  # the meeting itself cannot be read any more
    full = run_sync(oparl_engine, spec_server.system_url, full=True)
    assert full.complete and full.pending == 1 and meeting["id"] in "\n".join(full.unreadable)
    # its embedded agenda items were not read either: nothing of them is swept
    assert count(oparl_engine, "a-stadt", "agendaItem", deleted=False) == items_before
    with tenant_session(oparl_engine, "a-stadt") as session:
        row = session.scalars(select(Meeting).where(Meeting.oparl_id == meeting["id"])).one()
        assert not row.deleted
    spec_server.lists[MEETINGS].remove(meeting)  # gone from the server (404 at its URL)
    after = run_sync(oparl_engine, spec_server.system_url)
    assert after.complete and after.pending == 0 and not after.unreadable
