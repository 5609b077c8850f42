"""SIGKILL in the middle of a batch: the next run loses nothing and duplicates nothing."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from connectors.database import make_engine, tenant_session
from models.db import Case, Document, DocumentStatus, FileNumberCounter
from scripts.make_samples import generate_submissions


def _cli(env: dict[str, str], inbox: Path) -> subprocess.Popen[str]:
    amtsflow = Path(sys.executable).with_name("amtsflow")
    return subprocess.Popen(
        [
            str(amtsflow),
            "intake",
            "run",
            "--tenant",
            "musterstadt",
            "--source",
            str(inbox),
            "--json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def test_sigkill_mid_batch_then_rerun(
    prefect_api: str, amtsflow_env: Path, database_url: str, tmp_path: Path
) -> None:
    inbox = amtsflow_env / "tenants" / "musterstadt" / "eingang"  # a path of its own tenant
    files = generate_submissions(inbox, 160, seed=11)
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "AMTSFLOW_BATCH_SIZE": "40"}
    engine = make_engine(database_url)

    first = _cli(env, inbox)
    deadline = time.monotonic() + 120
    cases = 0
    while time.monotonic() < deadline and first.poll() is None:
        try:
            with tenant_session(engine, "musterstadt") as s:
                cases = s.scalar(select(func.count()).select_from(Case)) or 0
        except Exception:  # schema not yet created by the child
            cases = 0
        if cases >= 15:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the run finished before it could be killed"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    assert cases >= 15

    second = _cli(env, inbox)
    out, _ = second.communicate(timeout=300)
    summary = json.loads(out)
    assert summary["errors"] == 0
    assert summary["files"] == len(files)
    assert summary["duplicates"] >= 15  # decided before the kill: not decided again

    with tenant_session(engine, "musterstadt") as s:
        docs = {d.sha256: d for d in s.scalars(select(Document))}
        for path in files:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            assert docs[sha].status in DocumentStatus.FINAL, path.name
        all_cases = s.scalars(select(Case)).all()
        numbers = [c.file_number for c in all_cases]
        assert len(numbers) == len(set(numbers))
        assert len({c.document_id for c in all_cases}) == len(all_cases)
        accepted_docs = {
            d.id
            for d in docs.values()
            if d.case_id is not None and d.status == DocumentStatus.ACCEPTED
        }
        assert {c.document_id for c in all_cases} <= accepted_docs | {
            d.id for d in docs.values() if d.parent_id is None
        }
        # numbers are gap-free per department: none lost in the rollback, none given twice
        for counter in s.scalars(select(FileNumberCounter)):
            in_dept = [c for c in all_cases if c.department_code == counter.department_code]
            assert counter.last_seq == len(in_dept)
            assert sorted(int(c.file_number.rsplit("-", 1)[1]) for c in in_dept) == list(
                range(1, counter.last_seq + 1)
            )
    engine.dispose()
