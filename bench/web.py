"""Benchmark: render time of the clerks' pages with 10,000 cases and 5,000 runs, 20 users.

Sets up, all on loopback and in folders of its own under /tmp:

1. a Prefect server (own PREFECT_HOME, a free port, no background services; PostgreSQL by
   default as in production, `--prefect-db sqlite` for the embedded one) with the tenant's
   deployments (`tenant:<slug>` tag, real parameter schemas) and 5,000 runs created through
   its API (finished, failed and scheduled ones);
2. an Amtsflow database (SQLite, WAL) with 10,000 cases, their documents and 50 open
   review items of the tenant, and 20 accounts;
3. `amtsflow web` as a real server process.

Then 20 concurrent users (one thread and one HTTP connection each, each logged in with an
own account) request every page in turn for `--rounds` rounds. Figures per page: median
and p95 of the full request (render + transfer), target < 300 ms median. Baseline in the
same run: the static accessibility statement of the same app (same middleware, session-less
template render), and the ratio of each page's median to it. The pages cache what changes
slowly (deployments 10 s, run lists 3 s, finished runs 30 s); the same load is then run
against a second server process with every cache off (`uncached_*`), for comparison.

    .venv/bin/python bench/web.py [--cases 10000] [--runs 5000] [--users 20] [--rounds 8]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("AMTSFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
TENANT = "musterstadt"
PASSWORD = "Bench-Passwort-2026"
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Stack:
    """Prefect server, database and web server of the benchmark's own."""

    def __init__(self, prefect_db: str) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="amtsflow-bench-web-"))
        self.prefect_port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.prefect_port}/api"
        self.prefect_db = prefect_db
        self.pg_name: str | None = None
        self.procs: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home / "prefect"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "AMTSFLOW_HOME": str(self.home / "data"),
            "AMTSFLOW_DATABASE_URL": f"sqlite:///{self.home / 'amtsflow.db'}",
        }
        if self.pg_name:
            base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = f"{base}/{self.pg_name}"
        return env

    def _spawn(
        self, command: list[str], name: str, health: str, extra: dict[str, str] | None = None
    ) -> None:
        log = self.home / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command,
                env={**self.env(), **(extra or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        self.procs.append(proc)
        _wait(health, proc, log)

    def start_prefect(self) -> None:
        if self.prefect_db == "postgresql":
            import psycopg

            self.pg_name = f"amtsflow_bench_web_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
        command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1"]
        command += ["--port", str(self.prefect_port), "--no-services"]
        self._spawn(command, "prefect", f"{self.api_url}/health")

    def start_web(self, *, caches: bool = True) -> str:
        """Start `amtsflow web` on a fresh port; without caches every page asks Prefect."""
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        extra = (
            {}
            if caches
            else {"AMTSFLOW_WEB_LIST_CACHE_S": "0", "AMTSFLOW_WEB_DEPLOYMENTS_CACHE_S": "0"}
        )
        command = [str(BIN / "amtsflow"), "web", "--host", "127.0.0.1", "--port", str(port)]
        self._spawn(command, f"web-{port}", f"{url}/health", extra)
        return url

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.home, ignore_errors=True)


def _deploy(api_url: str) -> dict[str, str]:
    """The tenant's deployments of three catalogue flows, as `amtsflow deploy` tags them."""
    from flows.catalogue import load_specs

    specs = load_specs(["intake", "classify", "review-label"])
    ids: dict[str, str] = {}
    with httpx.Client(base_url=api_url, timeout=60) as api:
        for name, spec in specs.items():
            flow_id = api.post("/flows/", json={"name": name}).json()["id"]
            response = api.post(
                "/deployments/",
                json={
                    "name": TENANT,
                    "flow_id": flow_id,
                    "tags": [f"tenant:{TENANT}", "managed-by:amtsflow", name],
                    "parameters": {"tenant": TENANT},
                    "parameter_openapi_schema": spec.parameter_schema,
                    "entrypoint": spec.entrypoint,
                    "description": f"{name} – Musterstadt (Benchmark)",
                },
            )
            response.raise_for_status()
            ids[name] = response.json()["id"]
    return ids


async def _create_runs(api_url: str, deployments: list[str], total: int, concurrency: int) -> float:
    states = [("COMPLETED", "Completed")] * 8 + [("FAILED", "Failed"), ("SCHEDULED", "Scheduled")]
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=api_url, timeout=120) as api:

        async def one(n: int) -> None:
            kind, name = states[n % len(states)]
            body = {"state": {"type": kind, "name": name, "message": "Benchmark"}}
            url = f"/deployments/{deployments[n % len(deployments)]}/create_flow_run"
            async with semaphore:
                for attempt in range(6):  # SQLite answers 503 while locked: back off, retry
                    response = await api.post(url, json=body)
                    if response.status_code != 503:
                        break
                    await asyncio.sleep(0.2 * 2**attempt)
                if response.status_code >= 400:
                    raise RuntimeError(f"{url}: {response.status_code} {response.text[:500]}")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(total)))
        return time.perf_counter() - started


def _seed_database(stack: Stack, cases: int, users: int) -> tuple[float, list[str]]:
    """Cases, documents, review items and accounts, written in bulk."""
    os.environ.update({k: v for k, v in stack.env().items() if k.startswith("AMTSFLOW_")})
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from app.web.accounts import save_user
    from connectors.database import make_engine, tenant_session, upgrade
    from models.db import Case, Document, ReviewItem, Tenant

    started = time.perf_counter()
    engine = make_engine(stack.env()["AMTSFLOW_DATABASE_URL"])
    upgrade(engine)
    with Session(engine) as session:
        session.add(Tenant(slug=TENANT, name="Stadt Musterstadt", ags="09999001"))
        session.commit()
    forms = [
        ("gewerbeanmeldung", "32.10"),
        ("hundesteuer_anmeldung", "20.30"),
        ("sondernutzung", "66.20"),
        ("maengelmeldung", "66.20"),
    ]
    now = datetime.now(UTC)
    total = cases + 50
    with tenant_session(engine, TENANT) as session:
        session.execute(
            insert(Document),
            [
                {
                    "tenant_id": TENANT,
                    "id": i + 1,
                    "sha256": f"{i:064x}",
                    "size": 1000,
                    "source_name": f"eingang-{i:05d}.json",
                    "kind": "json",
                    "status": "accepted",
                    "received_at": now - timedelta(minutes=i),
                }
                for i in range(total)
            ],
        )
        session.execute(
            insert(Case),
            [
                {
                    "tenant_id": TENANT,
                    "file_number": f"{forms[i % 4][1]}-{2026 - i // 5000}-{i:05d}",
                    "form_type": forms[i % 4][0],
                    "department_code": forms[i % 4][1],
                    "document_id": i + 1,
                    "status": "eingegangen",
                    "data": {},
                    "acknowledgement": f"outputs/eingangsbestaetigungen/{i:05d}.docx",
                    "created_at": now - timedelta(minutes=i),
                }
                for i in range(cases)
            ],
        )
        session.execute(
            insert(ReviewItem),
            [
                {
                    "tenant_id": TENANT,
                    "kind": "classification",
                    "subject_id": cases + j + 1,
                    "suggestion": "Gewerbe",
                    "confidence": 0.5,
                    "reasons": ["Modell unsicher"],
                    "options": ["Gewerbe", "Steuern und Abgaben", "Sonstiges"],
                    "status": "open",
                    "created_at": now,
                }
                for j in range(50)
            ],
        )
        session.commit()
    names = [f"bench{i:02d}" for i in range(users)]
    with tenant_session(engine, TENANT) as session:
        for name in names:
            save_user(session, name, PASSWORD, ["clerk", "reviewer"], actor="bench")
    engine.dispose()
    return time.perf_counter() - started, names


async def _login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/anmelden")
    token = CSRF.search(page.text)
    assert token is not None
    response = await client.post(
        "/anmelden",
        data={
            "csrf_token": token.group(1),
            "tenant": TENANT,
            "username": username,
            "password": PASSWORD,
        },
    )
    if response.status_code != 303:
        raise RuntimeError(f"login of {username} failed: {response.status_code}")


async def _load(
    web_url: str, users: list[str], pages: dict[str, str], rounds: int
) -> tuple[dict[str, list[float]], int, float]:
    """Every user requests every page `rounds` times (own order, one connection each).

    The load generator is asynchronous (one event loop, not 20 threads), so its own CPU
    use stays small next to the server's on the shared cores. Latencies in ms.
    """
    timings: dict[str, list[float]] = {name: [] for name in pages}
    errors: list[str] = []
    clients = [httpx.AsyncClient(base_url=web_url, timeout=60) for _ in users]
    await asyncio.gather(*(_login(c, u) for c, u in zip(clients, users, strict=True)))

    async def user_loop(index: int) -> None:
        client = clients[index]
        rng = random.Random(index)
        for _ in range(rounds):
            order = list(pages.items())
            rng.shuffle(order)
            for name, path in order:
                started = time.perf_counter()
                response = await client.get(path)
                timings[name].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors.append(f"{name}: {response.status_code}")

    started = time.perf_counter()
    await asyncio.gather(*(user_loop(i) for i in range(len(users))))
    wall = time.perf_counter() - started
    for client in clients:
        await client.aclose()
    if errors:
        print(f"errors: {errors[:10]} ({len(errors)})", file=sys.stderr)
    return timings, len(errors), wall


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--prefect-db", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()

    stack = Stack(args.prefect_db)
    figures: dict[str, Any] = {
        "benchmark": "web",
        "cases": args.cases,
        "runs": args.runs,
        "users": args.users,
        "rounds": args.rounds,
        "prefect_db": args.prefect_db,
        "target_median_ms": 300,
    }
    try:
        stack.start_prefect()
        deployments = _deploy(stack.api_url)
        runnable = [deployments["intake"], deployments["classify"]]  # no required parameter
        concurrency = 16 if args.prefect_db == "postgresql" else 2  # SQLite locks under load
        figures["runs_create_s"] = round(
            asyncio.run(_create_runs(stack.api_url, runnable, args.runs, concurrency)), 1
        )
        print(f"runs created in {figures['runs_create_s']} s", file=sys.stderr)
        seed_s, users = _seed_database(stack, args.cases, args.users)
        figures["seed_db_s"] = round(seed_s, 1)
        web_url = stack.start_web()
        with httpx.Client(base_url=stack.api_url) as api:
            some_run = api.post(
                "/flow_runs/filter", json={"limit": 1, "sort": "EXPECTED_START_TIME_DESC"}
            ).json()[0]["id"]
        pages = {
            "baseline_static": "/barrierefreiheit",
            "prozesse": "/prozesse",
            "start_form": f"/prozesse/{deployments['review-label']}/starten",
            "laeufe": "/laeufe",
            "laeufe_page_100": "/laeufe?seite=100",
            "lauf": f"/laeufe/{some_run}",
            "pruefen": "/pruefen",
            "vorgaenge": "/vorgaenge",
            "vorgaenge_search": "/vorgaenge?aktenzeichen=32.10-2026-0&fachbereich=32.10",
            "vorgaenge_page_200": "/vorgaenge?seite=200",
            "vorgaenge_dates": "/vorgaenge?von=2026-01-01&bis=2026-12-31&formular=sondernutzung",
        }
        timings, errors, wall = asyncio.run(_load(web_url, users, pages, args.rounds))
        medians = {name: round(statistics.median(v), 1) for name, v in timings.items()}
        baseline = medians["baseline_static"]
        figures["median_ms"] = medians
        figures["p95_ms"] = {name: round(_p95(v), 1) for name, v in timings.items()}
        figures["ratio_to_baseline"] = {
            name: round(m / baseline, 2) for name, m in medians.items() if baseline > 0
        }
        figures["requests"] = sum(len(v) for v in timings.values())
        figures["errors"] = errors
        figures["requests_per_s"] = round(figures["requests"] / wall, 1)
        page_medians = [m for name, m in medians.items() if name != "baseline_static"]
        figures["worst_page_median_ms"] = max(page_medians)
        figures["all_pages_under_target"] = max(page_medians) < 300 and errors == 0
        # The same load on a second server process with every cache off: what a page
        # costs when each request asks Prefect and the database afresh.
        uncached_url = stack.start_web(caches=False)
        rounds = max(1, args.rounds // 2)
        raw, raw_errors, _ = asyncio.run(_load(uncached_url, users, pages, rounds))
        figures["uncached_rounds"] = rounds
        figures["uncached_median_ms"] = {n: round(statistics.median(v), 1) for n, v in raw.items()}
        figures["uncached_p95_ms"] = {n: round(_p95(v), 1) for n, v in raw.items()}
        figures["uncached_errors"] = raw_errors
    finally:
        stack.stop()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
