"""Shared fixtures: real SQLite and PostgreSQL databases, a real Prefect test server,
the shared fixture documents and the demo's sample inbox."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Prefect reads its home at import: keep tests away from the developer's ~/.prefect.
_PREFECT_HOME = tempfile.mkdtemp(prefix="amtsflow-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.pop("PREFECT_API_URL", None)
# Tests write their drop files a moment before the run (and hand this to the workers they
# start); the settle time has a test of its own.
os.environ.setdefault("AMTSFLOW_INTAKE_SETTLE_S", "0")

import pytest  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from connectors.database import make_engine, upgrade  # noqa: E402
from tests.pg_databases import pg_database  # noqa: E402

# Browser fixtures (Debian's Chromium via Playwright, screenshots, axe-core).
pytest_plugins = ["tests.conftest_browser"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"
DOCUMENTS = FIXTURES / "documents"
SAMPLE_INBOX = ROOT / "samples" / "musterstadt" / "inbox"

SECOND_TENANT = """\
slug: nebenan
name: Gemeinde Nebenan
ags: "09999002"
departments:
  - code: "32.10"
    name: Ordnungsamt
    form_types: [gewerbeanmeldung, hundesteuer_anmeldung, sondernutzung, maengelmeldung]
"""


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One real Prefect server for the whole session (its set-up costs ~12 s)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


def _pg_database() -> Iterator[str]:
    with pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'amtsflow.db'}"
    else:
        yield from _pg_database()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated database."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def tenants_dir(tmp_path: Path) -> Path:
    """The project's tenants plus a second municipality, in a folder of the test's own."""
    folder = tmp_path / "tenants"
    folder.mkdir()
    text = (ROOT / "tenants" / "musterstadt.yaml").read_text(encoding="utf-8")
    text = text.replace("../samples/musterstadt/inbox", str(SAMPLE_INBOX))
    text = text.replace("../samples/", str(ROOT / "samples") + "/")
    (folder / "musterstadt.yaml").write_text(text, encoding="utf-8")
    (folder / "nebenan.yaml").write_text(SECOND_TENANT, encoding="utf-8")
    return folder


@pytest.fixture
def amtsflow_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, tenants_dir: Path
) -> Path:
    """Environment for a run: own data folder, the given database, the test tenants."""
    home = tmp_path / "home"
    monkeypatch.setenv("AMTSFLOW_HOME", str(home))
    monkeypatch.setenv("AMTSFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("AMTSFLOW_TENANTS", str(tenants_dir))
    return home
