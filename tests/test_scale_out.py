"""Scale-out on Prefect's own engine (issue 4, point 7).

A Prefect server on PostgreSQL (a database of the test's own), one process work pool with
a queue per tenant, two process workers polling all three queues, a global concurrency
limit `ollama` of 2 slots, and runs of the `scale-probe` flow queued for three tenants.
Every run must complete exactly once: by the server's records (state Completed,
`run_count` 1) and by the receipts the runs write, created exclusively, into their own
tenant's folder. The global limit must hold across both workers (never more than two
slots held at once). The figures are printed (`pytest -s`) and written to
`$AMTSFLOW_SCALE_REPORT` if set.

The normal test run queues 24 runs (8 per tenant, ~95 s here): on this machine's two
shared cores a process worker's run costs 2.5-4 s of wall time (a subprocess per run that
imports Prefect), so the full 300 took 13 and 20 minutes; run them with
`AMTSFLOW_SCALE_RUNS=300 pytest -s tests/test_scale_out.py` (figures in the README).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, WorkPoolCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings

from connectors.ollama import OLLAMA_LIMIT
from flows.scale_probe import scale_probe
from tests.conftest import ROOT
from tests.pg_databases import asyncpg_url, pg_database

PREFECT = Path(sys.executable).with_name("prefect")
TENANTS = ("musterstadt", "kleindorf", "seestadt")
POOL = "amtsflow-scale"
RUNS = int(os.environ.get("AMTSFLOW_SCALE_RUNS", "24"))
WORKER_LIMIT = 4  # concurrent runs (subprocesses) per worker
SLOTS = 2  # the global `ollama` limit
DEADLINE_S = 300 + 8 * RUNS


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _prefect_database() -> Iterator[str]:
    with pg_database("amtsflow_prefect") as url:
        yield asyncpg_url(url)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (a worker needs a second one), then kill."""
    for _ in range(2):
        if proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            continue
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("Prefect server did not start:\n" + log.read_text()[-3000:])
        yield api
    finally:
        _stop(proc)


def _worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    queues = [arg for slug in TENANTS for arg in ("--work-queue", slug)]
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                *(str(PREFECT), "worker", "start", "--pool", POOL, *queues),
                *("--type", "process", "--limit", str(WORKER_LIMIT), "--name", name),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _set_up(client: SyncPrefectClient) -> dict[str, UUID]:
    """Pool, one queue and one deployment per tenant, the global limit."""
    client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    for slug in TENANTS:
        client.create_work_queue(name=slug, work_pool_name=POOL)
    client.create_global_concurrency_limit(
        GlobalConcurrencyLimitCreate(name=OLLAMA_LIMIT, limit=SLOTS)
    )
    flow_id = client.create_flow(scale_probe)
    pull = [{"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
    return {
        slug: client.create_deployment(
            flow_id=flow_id,
            name=slug,
            entrypoint="flows/scale_probe.py:scale_probe",
            tags=[f"tenant:{slug}"],
            parameters={"tenant": slug},
            work_pool_name=POOL,
            work_queue_name=slug,
            pull_steps=pull,
        )
        for slug in TENANTS
    }


def _runs(client: SyncPrefectClient, deployments: dict[str, UUID]) -> list[FlowRun]:
    found: list[FlowRun] = []
    flt = DeploymentFilter(id=DeploymentFilterId(any_=list(deployments.values())))
    while True:
        page = client.read_flow_runs(deployment_filter=flt, limit=200, offset=len(found))
        found += page
        if len(page) < 200:
            return found


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
    held = peak = 0
    for _, delta in events:
        held += delta
        peak = max(peak, held)
    return peak


@pytest.mark.timeout(DEADLINE_S + 300)
def test_two_workers_three_tenants_every_run_exactly_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    figures: dict[str, Any] = {"runs": RUNS, "workers": 2, "worker_limit": WORKER_LIMIT}
    with _prefect_database() as db_url:
        env = {
            **os.environ,
            "PREFECT_HOME": tempfile.mkdtemp(prefix="amtsflow-scale-prefect-", dir=tmp_path),
            "PREFECT_API_DATABASE_CONNECTION_URL": db_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
            "AMTSFLOW_HOME": str(home),
            "PYTHONPATH": str(ROOT),
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "5",
        }
        env.pop("PREFECT_API_URL", None)
        started = time.monotonic()
        with _server(env, tmp_path / "server.log") as api:
            figures["server_start_s"] = round(time.monotonic() - started, 1)
            env["PREFECT_API_URL"] = api
            with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                deployments = _set_up(client)
                queued_at = time.monotonic()
                for seq in range(RUNS):
                    slug = TENANTS[seq % len(TENANTS)]
                    client.create_flow_run_from_deployment(
                        deployments[slug], parameters={"seq": seq}
                    )
                figures["queue_s"] = round(time.monotonic() - queued_at, 1)
                workers = [_worker(env, f"w{i}", tmp_path / f"worker{i}.log") for i in (1, 2)]
                try:
                    first_done = None
                    deadline = time.monotonic() + DEADLINE_S
                    while time.monotonic() < deadline:
                        runs = _runs(client, deployments)
                        final = [r for r in runs if r.state_type and r.state.is_final()]  # type: ignore[union-attr]
                        if final and first_done is None:
                            first_done = time.monotonic()
                        if len(final) == RUNS:
                            break
                        for w in workers:
                            assert w.poll() is None, (tmp_path / "worker1.log").read_text()[-3000:]
                        time.sleep(2)
                    elapsed = time.monotonic() - queued_at
                finally:
                    for w in workers:
                        _stop(w)
                runs = _runs(client, deployments)
                by_state = Counter(str(r.state_type.value) for r in runs if r.state_type)
                figures["states"] = dict(by_state)
                figures["wall_s"] = round(elapsed, 1)
                figures["s_per_run"] = round(elapsed / RUNS, 3)
                figures["runs_per_min"] = round(RUNS / elapsed * 60, 1)
                durations = sorted(
                    (r.total_run_time.total_seconds() for r in runs if r.total_run_time), key=float
                )
                if durations:
                    figures["median_run_s"] = round(durations[len(durations) // 2], 2)
                start_delays = sorted(
                    (r.start_time - r.expected_start_time).total_seconds()  # type: ignore[operator]
                    for r in runs
                    if r.start_time and r.expected_start_time
                )
                if start_delays:
                    figures["median_queue_wait_s"] = round(start_delays[len(start_delays) // 2], 1)
    receipts = {
        slug: [
            json.loads(p.read_text())
            for p in (home / "tenants" / slug / "outputs" / "scale-probe").glob("*.json")
        ]
        for slug in TENANTS
    }
    held = [(r["held_from"], r["held_to"]) for rs in receipts.values() for r in rs]
    figures["max_slots_held"] = _max_overlap(held)
    figures["processes"] = len({r["pid"] for rs in receipts.values() for r in rs})
    report = json.dumps(figures, sort_keys=True)
    print(report)
    if out := os.environ.get("AMTSFLOW_SCALE_REPORT"):
        Path(out).write_text(report + "\n", encoding="utf-8")

    assert len(runs) == RUNS
    assert by_state == Counter({"COMPLETED": RUNS}), figures
    assert all(r.run_count == 1 for r in runs), "a run was started more than once"
    ids = {str(r.id) for r in runs}
    deployment_of = {str(r.id): r.deployment_id for r in runs}
    for slug, own in receipts.items():  # each wrote only into its own deployment's folder
        assert {deployment_of[r["flow_run_id"]] for r in own} == {deployments[slug]}
    for i in (1, 2):  # both workers took runs
        log = (tmp_path / f"worker{i}.log").read_text(errors="replace")
        assert any(run_id in log for run_id in ids), f"worker{i} ran nothing"
    all_receipts = [r["flow_run_id"] for rs in receipts.values() for r in rs]
    assert len(all_receipts) == len(set(all_receipts)) == RUNS  # none twice, none missing
    assert set(all_receipts) == ids
    assert sorted(r["seq"] for rs in receipts.values() for r in rs) == list(range(RUNS))
    assert {slug: len(rs) for slug, rs in receipts.items()} == {
        slug: len(range(i, RUNS, len(TENANTS))) for i, slug in enumerate(TENANTS)
    }
    assert 1 <= figures["max_slots_held"] <= SLOTS  # the global limit held across workers
    assert figures["processes"] == RUNS  # a process worker runs each in its own process
