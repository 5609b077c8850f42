"""Agenda targets (issue 3, point 7): Hürtgenwald sync time and the replay against reality.

1. A full sync of the Hürtgenwald dump from the loopback OParl test server into a fresh
   SQLite database (target < 60 s).
2. The replay over all its meetings (targets: paper_recall 1.0, order_tau >= 0.8,
   nonpublic_recall >= 0.99, nonpublic_precision >= 0.9) against a naive baseline in the
   same run: papers in consultation order, no grouping, only the keyword rules.
3. If bench/agenda_mappe.py exists: its Sitzungsmappe figures, merged in.

The last stdout line is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.database import make_engine, tenant_session, upgrade  # noqa: E402
from models.agenda import (  # noqa: E402
    AgendaConfig,
    AgendaDraft,
    ConfidentialitySource,
    DraftItem,
    ItemKind,
)
from tasks.agenda.archive import Archive, MeetingRecord, load_archive  # noqa: E402
from tasks.agenda.replay import replay, rules_judge  # noqa: E402
from tasks.agenda.rules import BUILTIN_RULES  # noqa: E402
from tasks.agenda.title_model import TitleModel  # noqa: E402
from tests.conftest_oparl import add_tenants, run_sync  # noqa: E402
from tests.oparl_server import OParlTestServer  # noqa: E402
from tests.oparl_worlds import load_huertgenwald  # noqa: E402

SYNC_RUNS = 3
TARGETS = {
    "sync_s": 60.0,
    "paper_recall": 1.0,
    "order_tau": 0.8,
    "nonpublic_recall": 0.99,
    "nonpublic_precision": 0.9,
}


def naive_builder(archive: Archive, meeting: MeetingRecord, model: TitleModel) -> AgendaDraft:
    """The baseline: the meeting's papers in consultation order, flat, rules only."""
    items: list[DraftItem] = []
    seen: set[str] = set()
    for c in archive.by_meeting.get(meeting.id, []):
        if c.paper_id in seen or c.paper_id not in archive.papers:
            continue
        seen.add(c.paper_id)
        paper = archive.papers[c.paper_id]
        items.append(
            DraftItem(
                number=str(len(items) + 1),
                title=paper.title or paper.id,
                kind=ItemKind.PAPER,
                public=True,
                paper_id=paper.id,
                confidentiality_source=ConfidentialitySource.RULE,
            )
        )
    return AgendaDraft(tenant="bench", meeting_id=meeting.id, items=items)


def sync_huertgenwald(db_url: str) -> float:
    """Full sync of the dump from the loopback server; seconds."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        add_tenants(engine)
        server = OParlTestServer()
        load_huertgenwald(server)
        with server.running():
            started = time.perf_counter()
            summary = run_sync(engine, server.system_url, full=True)
            seconds = time.perf_counter() - started
        if not summary.complete:
            raise SystemExit(f"Sync unvollständig: {summary.errors}")
        return seconds
    finally:
        engine.dispose()


def main() -> None:
    figures: dict[str, Any] = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp:
        runs = [
            sync_huertgenwald(f"sqlite:///{Path(tmp) / f'huertgenwald-{n}.db'}")
            for n in range(SYNC_RUNS)
        ]
        figures["sync_s"] = round(statistics.median(runs), 2)  # median of fresh full syncs
        figures["sync_runs_s"] = [round(r, 2) for r in runs]
        url = f"sqlite:///{Path(tmp) / f'huertgenwald-{SYNC_RUNS - 1}.db'}"
        engine = make_engine(url)
        try:
            with tenant_session(engine, "a-stadt") as session:
                archive = load_archive(session)
        finally:
            engine.dispose()
    config = AgendaConfig()
    built = replay(archive, config)
    baseline = replay(archive, config, builder=naive_builder, judge=rules_judge(BUILTIN_RULES))
    figures["replay"] = built
    figures["baseline"] = baseline
    for key in (
        "paper_recall",
        "order_tau",
        "grouping_accuracy",
        "nonpublic_recall",
        "nonpublic_precision",
    ):
        figures[key] = built[key]
        mine, base = built[key], baseline[key]
        figures[f"{key}_vs_baseline"] = (
            round(mine / base, 3) if mine is not None and base not in (None, 0) else None
        )
    figures["targets"] = TARGETS
    figures["met"] = {
        key: (
            figures[key] is not None
            and (figures[key] < target if key == "sync_s" else figures[key] >= target)
        )
        for key, target in TARGETS.items()
    }
    mappe = ROOT / "bench" / "agenda_mappe.py"
    if mappe.exists():
        spec = importlib.util.spec_from_file_location("agenda_mappe", mappe)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        figures["mappe"] = module.measure_mappe(40)
        figures["met"]["mappe_s"] = figures["mappe"].get("mappe_s", 99.0) < 10.0
    print(
        f"Sync {figures['sync_s']} s; replay {built['meetings']} Sitzungen: recall "
        f"{built['paper_recall']}, tau {built['order_tau']}, Gruppierung "
        f"{built['grouping_accuracy']}, nö-Recall {built['nonpublic_recall']}, nö-Präzision "
        f"{built['nonpublic_precision']}",
        file=sys.stderr,
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
