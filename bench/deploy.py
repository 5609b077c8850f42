"""Benchmark: deploying 200 tenants × 5 flows (1,000 deployments) and the API afterwards.

Starts its own Prefect server (own PREFECT_HOME under /tmp, a free port; PostgreSQL by
default, as production runs it; `--db sqlite` for the embedded database), then measures:

1. `amtsflow deploy` of 200 generated tenant files, as the operator runs it (a subprocess:
   catalogue check, flow imports, pools, queues, 1,000 deployments); target < 120 s.
2. The same command again with nothing changed, and once more with `--force` (every
   deployment rewritten), i.e. the in-place update path.
3. Baseline in the same run: plain `flow.deploy()` one by one for a small sample,
   extrapolated to 1,000 (labelled `..._extrapolated`).
4. 10,000 finished (Completed) flow runs created through the API, spread over the tenants.
5. Median latency of listing one tenant's deployments (`POST /deployments/filter` by tag),
   on the empty server (baseline) and with 1,000 deployments and 10,000 runs; target < 200 ms.

    .venv/bin/python bench/deploy.py [--tenants 200] [--runs 10000] [--db postgresql|sqlite]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("AMTSFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
FLOWS = ("intake", "classify", "retrain", "oparl-sync", "nightly")

TENANT = """\
slug: {slug}
name: Gemeinde {name}
ags: "{ags}"
departments:
  - {{code: "10", name: Hauptamt, form_types: [gewerbeanmeldung, hundesteuer_anmeldung]}}
intake_sources: [{{name: post, path: {inbox}}}]
oparl: {{system_url: "http://127.0.0.1:9/{slug}/oparl/system"}}
classification:
  labels: [{{name: Gewerbe, description: g}}, {{name: Sonstiges, description: s}}]
deployment:
  flows:
    review-label: {{enabled: false}}
    prepare-agenda: {{enabled: false}}
secrets: [oparl]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _write_tenants(folder: Path, count: int) -> list[str]:
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    slugs = []
    for n in range(count):
        slug = f"gemeinde-{n:04d}"
        text = TENANT.format(slug=slug, name=n, ags=f"0999{n:04d}", inbox=inbox)
        (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")
        slugs.append(slug)
    return slugs


class Server:
    """A Prefect server of the benchmark's own."""

    def __init__(self, db: str) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="amtsflow-bench-deploy-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.db = db
        self.pg_name: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        if self.pg_name:
            base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = f"{base}/{self.pg_name}"
        return env

    def start(self) -> None:
        if self.db == "postgresql":
            import psycopg

            self.pg_name = f"amtsflow_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
        log = (self.home / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("prefect")),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        import httpx

        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("Prefect server did not start; see " + str(self.home / "server.log"))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.home, ignore_errors=True)


def _deploy(server: Server, tenants: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("amtsflow")),
            "deploy",
            "--tenants",
            str(tenants),
            "--json",
            *extra,
        ],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return seconds, json.loads(done.stdout)


def _list_latency_ms(server: Server, slugs: list[str], samples: int) -> float:
    import httpx

    timings = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for i in range(samples + 3):
            body = {"deployments": {"tags": {"all_": [f"tenant:{slugs[i % len(slugs)]}"]}}}
            started = time.perf_counter()
            response = client.post("/deployments/filter", json=body)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if i >= 3:  # warm-up
                timings.append(elapsed)
    return round(statistics.median(timings), 1)


def _baseline_flow_deploy(server: Server, sample: int) -> float:
    """Seconds per deployment with plain `flow.deploy()`, in a child with the server's env."""
    code = f"""
import time, sys
sys.path.insert(0, {str(ROOT)!r})
from prefect.schedules import Cron
from flows.retrain import retrain
flow = retrain.from_source(source={str(ROOT)!r}, entrypoint="flows/retrain.py:retrain")
times = []
for i in range({sample}):
    t = time.perf_counter()
    flow.deploy(name=f"baseline-{{i}}", work_pool_name="amtsflow", work_queue_name="baseline",
                parameters={{"tenant": "gemeinde-0000"}}, tags=["baseline"],
                schedules=[Cron("0 2 * * *", timezone="Europe/Berlin")], print_next_steps=False)
    times.append(time.perf_counter() - t)
times.sort()
print(times[len(times) // 2])
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return float(done.stdout.strip().splitlines()[-1])


async def _create_runs(total: int, concurrency: int) -> float:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags
    from prefect.states import Completed

    async with get_client() as client:
        deployments = []
        offset = 0
        flt = DeploymentFilter(tags=DeploymentFilterTags(all_=["managed-by:amtsflow"]))
        while True:
            page = await client.read_deployments(deployment_filter=flt, limit=200, offset=offset)
            deployments += [d for d in page if "review-label" not in d.tags]
            if len(page) < 200:
                break
            offset += 200
        random.Random(7).shuffle(deployments)
        semaphore = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            dep = deployments[n % len(deployments)]
            async with semaphore:
                await client.create_flow_run_from_deployment(dep.id, state=Completed())

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(total)))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--baseline-sample", type=int, default=10)
    parser.add_argument("--latency-samples", type=int, default=50)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="amtsflow-bench-tenants-"))
    server = Server(args.db)
    figures: dict[str, Any] = {"db": args.db, "tenants": args.tenants, "flows": list(FLOWS)}
    try:
        slugs = _write_tenants(work / "tenants", args.tenants)
        server.start()
        os.environ.update(server.env())
        figures["list_latency_ms_empty_server"] = _list_latency_ms(
            server, slugs, args.latency_samples
        )
        print("empty server:", figures["list_latency_ms_empty_server"], "ms", file=sys.stderr)

        seconds, report = _deploy(server, work / "tenants")
        figures["deployments"] = report["deployments"]
        figures["deploy_s"] = round(seconds, 2)
        figures["deploy_api_s"] = report["seconds"]
        figures["created"] = len(report["created"])
        print("deploy:", figures["deploy_s"], "s", file=sys.stderr)
        seconds, report = _deploy(server, work / "tenants")
        figures["redeploy_unchanged_s"] = round(seconds, 2)
        figures["redeploy_unchanged"] = len(report["unchanged"])
        seconds, report = _deploy(server, work / "tenants", "--force")
        figures["redeploy_force_s"] = round(seconds, 2)
        figures["redeploy_force_updated"] = len(report["updated"])
        print(
            "redeploy:",
            figures["redeploy_unchanged_s"],
            figures["redeploy_force_s"],
            file=sys.stderr,
        )

        per = _baseline_flow_deploy(server, args.baseline_sample)
        figures["baseline_flow_deploy_median_s"] = round(per, 3)
        figures["baseline_flow_deploy_sample"] = args.baseline_sample
        n = figures["deployments"]
        figures["baseline_flow_deploy_all_s_extrapolated"] = round(per * n, 1)
        figures["speedup_vs_flow_deploy_extrapolated"] = round(per * n / figures["deploy_s"], 1)

        runs_s = asyncio.run(_create_runs(args.runs, concurrency=8))
        figures["flow_runs_created"] = args.runs
        figures["flow_runs_create_s"] = round(runs_s, 1)
        print("runs:", figures["flow_runs_create_s"], "s", file=sys.stderr)

        loaded = _list_latency_ms(server, slugs, args.latency_samples)
        figures["list_latency_ms_loaded"] = loaded
        figures["list_latency_ratio_vs_empty"] = round(
            loaded / figures["list_latency_ms_empty_server"], 2
        )
        figures["targets"] = {"deploy_s": 120, "list_latency_ms": 200}
        figures["deploy_under_target"] = figures["deploy_s"] < 120
        figures["latency_under_target"] = loaded < 200
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
