"""`amtsflow review list|decide`: who decides is part of the audit, and typos are said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from connectors.documents import ParserPool
from models.db import AuditEvent, ReviewItem
from tasks.classification.review import ReviewError, decide, list_reviews
from tasks.classification.run import classify_batch, pending_documents
from tests.test_classification_flow_steps import FakeClassifier, _ctx, filled  # noqa: F401

pytestmark = pytest.mark.timeout(120)


def test_a_decision_needs_someone_who_decides(filled: Path) -> None:  # noqa: F811
    with ParserPool(workers=1) as pool:
        ctx = _ctx(FakeClassifier(), pool)
        classify_batch(ctx, pending_documents(ctx, 1000))
    with ctx.session() as session:
        item_id = list_reviews(session)[0]["id"]
    runner = CliRunner()
    base = ["review", "decide", "--tenant", "musterstadt", "--id", str(item_id)]
    for who in ("", " ", "x", "k" * 81, "an\nna"):
        refused = runner.invoke(app, [*base, "--label", "Gewerbe", "--user", who, "--json"])
        assert refused.exit_code != 0, who
        assert "Kürzel von 2 bis 80 Zeichen" in json.loads(refused.stdout)["error"]
    with ctx.session() as session:
        assert session.get_one(ReviewItem, item_id).status == "open"
        with pytest.raises(ReviewError, match="Kürzel"):
            decide(session, item_id, "Gewerbe", "\t")
    done = runner.invoke(app, [*base, "--label", "Gewerbe", "--user", " ka ", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["decided_by"] == "ka"
    with ctx.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "label_decided"))
        assert [e.actor for e in event] == ["user:ka"]


def test_listing_by_an_unknown_status_is_an_error(filled: Path) -> None:  # noqa: F811
    runner = CliRunner()
    wrong = runner.invoke(
        app, ["review", "list", "--tenant", "musterstadt", "--status", "erledigt", "--json"]
    )
    assert wrong.exit_code != 0
    assert "open, decided" in json.loads(wrong.stdout)["error"]
    right = runner.invoke(
        app, ["review", "list", "--tenant", "musterstadt", "--status", "decided", "--json"]
    )
    assert right.exit_code == 0 and json.loads(right.stdout) == []
