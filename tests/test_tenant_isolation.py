"""A run bound to one municipality never reaches another's rows or files (issue 4, point 4).

Every attack goes through a real deployment run on the Prefect test server, with the
parameters an operator could type into the run form: another tenant's slug, a path that
escapes with `../`, a symlink out of the tenant's folder, another tenant's drop folder or
review id. Each test also runs the honest variant, so a refusal cannot come from a flow
that fails anyway.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from connectors.database import make_engine, tenant_session, upgrade
from flows.agenda import prepare_agenda
from flows.classify import classify
from flows.intake import intake
from flows.nightly import nightly
from flows.oparl_sync import oparl_sync
from flows.retrain import retrain
from flows.review import review_label
from models.db import Case, Document, ReviewItem, Tenant
from tasks.classification.review import KIND, list_reviews
from tests.conftest import SAMPLE_INBOX
from tests.flow_threads import execute_run
from tests.tenant_runs import deploy, run_deployment

GUARD_MESSAGE = "gehört zu Gemeinde musterstadt"
ESCAPE_MESSAGE = "außerhalb der Ordner der Gemeinde musterstadt"


@pytest.fixture
def neighbour_inbox(tmp_path: Path, tenants_dir: Path) -> Path:
    """Nebenan gets a drop folder of its own, with two submissions waiting."""
    inbox = tmp_path / "nebenan-inbox"
    inbox.mkdir()
    for path in sorted(p for p in SAMPLE_INBOX.iterdir() if p.is_file())[:2]:
        shutil.copy(path, inbox / path.name)
    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as out:
        out.write(f"intake_sources:\n  - name: post\n    path: {inbox}\n")
    return inbox


def _count(url: str, tenant: str, model: type[Any]) -> int:
    engine = make_engine(url)
    try:
        with tenant_session(engine, tenant) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_another_tenants_slug_is_refused_before_anything_is_touched(
    prefect_api: str, amtsflow_env: Path, database_url: str, neighbour_inbox: Path
) -> None:
    before = _snapshot(neighbour_inbox)
    deployment = deploy(intake, "musterstadt")

    state, recorded = run_deployment(intake, deployment, tenant="nebenan")
    assert state.is_failed() and recorded.state_type == StateType.FAILED
    assert GUARD_MESSAGE in (state.message or "")
    assert "TenantGuardError" in (state.message or "")
    assert not (amtsflow_env / "tenants").exists()  # no folder created, none read
    engine = make_engine(database_url)
    assert inspect(engine).get_table_names() == []  # not even the schema was created
    engine.dispose()

    honest, _ = run_deployment(intake, deployment)  # the deployment's own tenant: works
    assert honest.is_completed()
    assert _count(database_url, "musterstadt", Case) > 0

    again, _ = run_deployment(intake, deployment, tenant="nebenan", source="post")
    assert again.is_failed() and GUARD_MESSAGE in (again.message or "")
    assert _count(database_url, "nebenan", Document) == 0
    assert not (amtsflow_env / "tenants" / "nebenan").exists()
    assert _snapshot(neighbour_inbox) == before


CRAFTED: dict[str, tuple[Flow[..., Any], dict[str, Any]]] = {
    "intake": (intake, {}),
    "classify": (classify, {}),
    "retrain": (retrain, {}),
    "review-label": (review_label, {"review_id": 1}),
    "oparl-sync": (oparl_sync, {}),
    "prepare-agenda": (prepare_agenda, {"meeting": "http://127.0.0.1:9/oparl/meeting/1"}),
    "nightly": (nightly, {}),
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("flow_name", sorted(CRAFTED))
def test_every_catalogue_flow_refuses_a_crafted_tenant(
    prefect_api: str, amtsflow_env: Path, database_url: str, flow_name: str
) -> None:
    flow_obj, extra = CRAFTED[flow_name]
    deployment = deploy(flow_obj, "musterstadt")
    state, recorded = run_deployment(flow_obj, deployment, tenant="nebenan", **extra)
    assert recorded.state_type == StateType.FAILED
    assert GUARD_MESSAGE in (state.message or ""), state.message
    assert not (amtsflow_env / "tenants").exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_deployment_without_tenant_tag_serves_no_tenant(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    deployment = deploy(retrain, "musterstadt", tags=["intake"])
    state, _ = run_deployment(retrain, deployment)
    assert state.is_failed()
    assert "keiner Gemeinde zugeordnet" in (state.message or "")
    assert not (amtsflow_env / "tenants").exists()


def _escape_dotdot(home: Path, neighbour: Path) -> str:
    target = home / "tenants" / "nebenan" / "eingang"
    target.mkdir(parents=True)
    shutil.copytree(neighbour, target, dirs_exist_ok=True)
    return str(home / "tenants" / "musterstadt" / ".." / "nebenan" / "eingang")


def _escape_relative(home: Path, neighbour: Path) -> str:
    return str(Path("..") / ".." / ".." / ".." / ".." / ".." / ".." / "etc")


def _escape_symlink(home: Path, neighbour: Path) -> str:
    link = home / "tenants" / "musterstadt" / "eingang"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(neighbour, target_is_directory=True)
    return str(link)


def _escape_symlink_parent(home: Path, neighbour: Path) -> str:
    link = home / "tenants" / "musterstadt" / "verweis"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(neighbour.parent, target_is_directory=True)
    return str(link / neighbour.name)


def _foreign_drop_folder(home: Path, neighbour: Path) -> str:
    return str(neighbour)


def _foreign_source_name(home: Path, neighbour: Path) -> str:
    return "post"  # nebenan's source name: for musterstadt only a (relative) path


ESCAPES: dict[str, Callable[[Path, Path], str]] = {
    "dotdot": _escape_dotdot,
    "relative-dotdot": _escape_relative,
    "symlink-folder": _escape_symlink,
    "symlink-parent": _escape_symlink_parent,
    "foreign-drop-folder": _foreign_drop_folder,
    "foreign-source-name": _foreign_source_name,
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("escape", sorted(ESCAPES))
def test_a_path_parameter_cannot_leave_the_tenants_folders(
    prefect_api: str, amtsflow_env: Path, database_url: str, neighbour_inbox: Path, escape: str
) -> None:
    source = ESCAPES[escape](amtsflow_env, neighbour_inbox)
    before = _snapshot(neighbour_inbox)
    deployment = deploy(intake, "musterstadt")
    state, recorded = run_deployment(intake, deployment, source=source)
    assert recorded.state_type == StateType.FAILED
    assert ESCAPE_MESSAGE in (state.message or ""), state.message
    assert source not in (state.message or "")  # paths may carry names: not in messages
    assert _count(database_url, "musterstadt", Document) == 0
    assert _count(database_url, "nebenan", Document) == 0
    assert _snapshot(neighbour_inbox) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_own_folder_is_read_but_a_symlinked_file_out_of_it_is_not(
    prefect_api: str, amtsflow_env: Path, database_url: str, neighbour_inbox: Path
) -> None:
    own = amtsflow_env / "tenants" / "musterstadt" / "eingang"
    own.mkdir(parents=True)
    mine = sorted(p for p in SAMPLE_INBOX.iterdir() if p.suffix == ".json")[0]
    shutil.copy(mine, own / mine.name)
    foreign = sorted(neighbour_inbox.iterdir())[0]
    (own / "fremd.json").symlink_to(foreign)
    deployment = deploy(intake, "musterstadt")
    state, _ = run_deployment(intake, deployment, source=str(own))
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary.files == 1  # the symlink out of the folder was not even listed
    assert _count(database_url, "musterstadt", Document) == 1


def _neighbours_review(url: str) -> int:
    """An open review item of Nebenan (a document waiting for a clerk's label)."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        session.add(Tenant(slug="nebenan", name="Gemeinde Nebenan", ags="09999002"))
        session.commit()
    with tenant_session(engine, "nebenan") as session:
        doc = Document(sha256="b" * 64, size=1, source_name="antrag.pdf", status="accepted")
        session.add(doc)
        session.flush()
        item = ReviewItem(
            kind=KIND, subject_id=doc.id, suggestion="Gewerbe", options=["Gewerbe", "Sonstiges"]
        )
        session.add(item)
        session.commit()
        review_id = item.id
    engine.dispose()
    return review_id


def test_another_tenants_review_id_is_not_found(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    review_id = _neighbours_review(database_url)
    deployment = deploy(review_label, "musterstadt")

    state, recorded = run_deployment(review_label, deployment, review_id=review_id)
    assert recorded.state_type == StateType.FAILED
    assert f"Prüfauftrag {review_id} ist nicht offen" in (state.message or ""), state.message

    crafted, _ = run_deployment(review_label, deployment, tenant="nebenan", review_id=review_id)
    assert crafted.is_failed() and GUARD_MESSAGE in (crafted.message or "")

    engine = make_engine(database_url)
    with tenant_session(engine, "nebenan") as session:  # still there, still open
        assert [r["id"] for r in list_reviews(session)] == [review_id]

    # honest: Nebenan's own deployment finds the item, waits for the clerk and records it
    own = deploy(review_label, "nebenan")
    with get_client(sync_client=True) as client:
        created = client.create_flow_run_from_deployment(
            own, parameters={"review_id": review_id, "timeout_s": 300}
        )
    thread, outcome = execute_run(review_label, str(created.id))
    deadline = time.monotonic() + 90
    while _state_of(created.id) != StateType.PAUSED:
        assert time.monotonic() < deadline and thread.is_alive(), outcome
        time.sleep(0.5)
    resume_flow_run(created.id, run_input={"kategorie": "Sonstiges", "bearbeitet_von": "bernd"})
    thread.join(90)
    assert outcome["state"].is_completed(), outcome["state"]
    with tenant_session(engine, "nebenan") as session:
        item = session.get(ReviewItem, review_id)
        assert item is not None and (item.status, item.decision) == ("decided", "Sonstiges")
    engine.dispose()


def _state_of(run_id: UUID) -> StateType | None:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state.type if state else None
