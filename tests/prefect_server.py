"""A real Prefect server with its UI, and a process worker, for the operator-console tests.

The session's `prefect_api` fixture (prefect_test_harness) runs its server with the UI
switched off (it sets PREFECT_UI_ENABLED=0), so the browser tests start `prefect server
start` themselves: own PREFECT_HOME under /tmp, its own PostgreSQL database, a free port
from the OS, no background
services (no scheduler: the tenants' schedules must not start runs during a test). Runs
started from the UI are executed by a real `prefect worker start --type process`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.pg_databases import asyncpg_url, pg_database

ROOT = Path(__file__).resolve().parents[1]
PREFECT = Path(sys.executable).with_name("prefect")


def free_port() -> int:
    """A port the OS says is free on 127.0.0.1 (never the demo's 4200)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class PrefectServer:
    """A running server: its base URL (UI) and API URL, and the home folder it owns."""

    url: str
    home: Path
    log: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a client process (CLI, worker) bound to this server."""
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home / "client"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
        env.update(extra)
        return env


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Stop a process group started by us: SIGTERM, then SIGKILL after `timeout`."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def _tail(path: Path, chars: int = 3000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text[-chars:]


@contextmanager
def prefect_server(startup_timeout: float = 90) -> Iterator[PrefectServer]:
    """Run `prefect server start` (API + UI) on a fresh PostgreSQL database until the end.

    PostgreSQL, as in production: on SQLite the server answers 503 ("database is locked")
    or stalls for seconds after a run with many task runs (see the Prefect notes), which
    made a browser journey's next step fail on a slow CI machine.
    """
    with (
        pg_database("amtsflow_prefect") as database,
        _prefect_server(asyncpg_url(database), startup_timeout) as server,
    ):
        yield server


@contextmanager
def _prefect_server(database_url: str, startup_timeout: float) -> Iterator[PrefectServer]:
    home = Path(tempfile.mkdtemp(prefix="amtsflow-ui-prefect-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = home / "server.log"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_API_URL": f"{url}/api",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": database_url,
    }
    env.pop("PREFECT_API_URL", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                *(str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)),
                *("--no-services", "--analytics-off", "--no-prompt"),
            ],
            env=env,
            cwd=home,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server ended ({proc.returncode}):\n{_tail(log)}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"prefect server not up in {startup_timeout} s:\n{_tail(log)}")
            time.sleep(0.5)
        yield PrefectServer(url=url, home=home, log=log)
    finally:
        stop_process(proc)
        if not os.environ.get("AMTSFLOW_KEEP_TEST_SERVER"):  # set it to read the logs
            shutil.rmtree(home, ignore_errors=True)


@contextmanager
def process_worker(
    server: PrefectServer, pool: str, env: dict[str, str] | None = None
) -> Iterator[Path]:
    """Run a process worker on `pool` (created if missing) in the project root; yield its log.

    The flow runs it starts inherit its environment: pass the AMTSFLOW_* variables here.
    """
    log = server.home / f"worker-{pool}.log"
    worker_env = server.env(**(env or {}))
    worker_env["AMTSFLOW_PROJECT_DIR"] = str(ROOT)
    worker_env.setdefault("PREFECT_WORKER_QUERY_SECONDS", "2")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                *(str(PREFECT), "worker", "start", "--pool", pool, "--type", "process"),
                *("--prefetch-seconds", "5", "--limit", "2"),
            ],
            env=worker_env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log
    finally:
        stop_process(proc, timeout=20)


@dataclass(frozen=True)
class Deployed:
    """A server holding the project's tenants as `amtsflow deploy` registers them."""

    server: PrefectServer
    report: dict[str, Any]  # what `amtsflow deploy --json` printed
    home: Path  # AMTSFLOW_HOME of the flow runs
    env: dict[str, str]  # AMTSFLOW_* variables of the flow runs (and of the web app)

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the server's REST API; raise on an HTTP error."""
        response = httpx.request(method, f"{self.server.api_url}{path}", json=body, timeout=20)
        response.raise_for_status()
        return response.json()

    def deployments(self, **flt: Any) -> list[dict[str, Any]]:
        """Deployments matching a /deployments/filter body (all by default)."""
        body = {"limit": 200, **flt}
        result: list[dict[str, Any]] = self.api("POST", "/deployments/filter", body)
        return result

    def tenant_deployments(self, slug: str) -> list[dict[str, Any]]:
        """The deployments tagged `tenant:<slug>`."""
        return self.deployments(deployments={"tags": {"all_": [f"tenant:{slug}"]}})

    def flow_name(self, flow_id: str) -> str:
        """The flow name of a flow id."""
        name: str = self.api("GET", f"/flows/{flow_id}")["name"]
        return name

    def deployment_of(self, slug: str, flow: str) -> dict[str, Any]:
        """The one deployment of `flow` for tenant `slug`."""
        found = [d for d in self.tenant_deployments(slug) if self.flow_name(d["flow_id"]) == flow]
        assert len(found) == 1, f"{len(found)} deployments of {flow} for {slug}"
        return found[0]

    def wait_for_run(self, run_id: str, timeout: float = 120) -> str:
        """Poll until the run is final (or paused); return its state type."""
        final = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED", "PAUSED"}
        deadline = time.monotonic() + timeout
        while True:
            state: str = self.api("GET", f"/flow_runs/{run_id}")["state_type"]
            if state in final or time.monotonic() > deadline:
                return state
            time.sleep(1)


@contextmanager
def deployed_server(home: Path) -> Iterator[Deployed]:
    """A server with the project's tenants deployed by `amtsflow deploy`, and process workers.

    The flow runs use `home` as AMTSFLOW_HOME, SQLite in it, and the project's tenants/.
    """
    with prefect_server() as server:
        env = {
            "AMTSFLOW_HOME": str(home),
            "AMTSFLOW_DATABASE_URL": f"sqlite:///{home / 'amtsflow.db'}",
            "AMTSFLOW_TENANTS": str(ROOT / "tenants"),
        }
        done = subprocess.run(
            [str(PREFECT.with_name("amtsflow")), "deploy", "--json"],
            env=server.env(**env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"amtsflow deploy: exit {done.returncode}\n{done.stderr[-3000:]}")
        deployed = Deployed(server=server, report=json.loads(done.stdout), home=home, env=env)
        pools = {d["work_pool_name"] for d in deployed.deployments()}
        if not pools:
            raise RuntimeError("amtsflow deploy registered no deployment")
        with ExitStack() as workers:
            for pool in sorted(pools):  # normally just `amtsflow`
                workers.enter_context(process_worker(server, pool, env))
            yield deployed
