"""The command line: one JSON document on stdout, in ephemeral mode and against a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_INBOX

AMTSFLOW = str(Path(sys.executable).with_name("amtsflow"))


def _run(*args: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Any:
    done = subprocess.run(
        [AMTSFLOW, *args, "--json"], env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode in ok, done.stderr[-3000:]
    return json.loads(done.stdout)  # exactly one JSON document, nothing else on stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_in_prefect_ephemeral_mode(amtsflow_env: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    assert _run("db", "upgrade", env=env)["revision"]
    summary = _run("intake", "run", "--tenant", "musterstadt", env=env)
    assert {"accepted", "quarantined", "duplicates"} <= summary.keys()
    assert summary["accepted"] == 9 and summary["quarantined"] == 6


def test_cli_against_running_server(prefect_api: str, amtsflow_env: Path) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    summary = _run(
        "intake", "run", "--tenant", "musterstadt", "--source", str(SAMPLE_INBOX), env=env
    )
    assert summary["accepted"] == 9 and summary["flow_run_id"]
    cases = _run("cases", "list", "--tenant", "musterstadt", env=env)
    assert isinstance(cases, list) and len(cases) == summary["cases_created"]
    assert all(c["file_number"].startswith(c["department"]) for c in cases)
    gewerbe = _run(
        "cases", "list", "--tenant", "musterstadt", "--form-type", "gewerbeanmeldung", env=env
    )
    assert {c["form_type"] for c in gewerbe} == {"gewerbeanmeldung"}
    quarantine = _run("quarantine", "list", "--tenant", "musterstadt", env=env)
    assert len(quarantine) == summary["quarantined"]
    assert all(len(q["sha256"]) == 64 and q["reason"] for q in quarantine)
    invalid = [q for q in quarantine if q["reason_code"] == "invalid_fields"]
    assert invalid and all(q["fields"] and q["fields"][0]["message"] for q in invalid)
    # the other municipality sees nothing of it
    assert _run("cases", "list", "--tenant", "nebenan", env=env) == []
    assert _run("quarantine", "list", "--tenant", "nebenan", env=env) == []
    again = _run("intake", "run", "--tenant", "musterstadt", env=env)
    assert again["duplicates"] == summary["files"] and again["accepted"] == 0


def test_cli_unknown_tenant_is_a_clear_error(amtsflow_env: Path) -> None:
    error = _run("cases", "list", "--tenant", "gibtsnicht", env=dict(os.environ), ok=(2,))
    assert "gibtsnicht" in error["error"]


def test_cli_gives_prefects_temporary_server_time_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app import cli

    variable = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    monkeypatch.setattr(sys, "argv", ["amtsflow", "--help"])
    for preset, expected in ((None, cli.EPHEMERAL_STARTUP_S), ("300", "300")):
        if preset is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, preset)
        with pytest.raises(SystemExit) as done:
            cli.main()
        assert done.value.code == 0
        assert os.environ[variable] == expected


def test_intake_run_errors_are_json_not_tracebacks(prefect_api: str, amtsflow_env: Path) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    cases = {
        ("--tenant", "musterstadt", "--source", "/etc"): "außerhalb",  # another's folder
        ("--tenant", "nebenan"): "keine Eingangsquelle",  # its file names no drop folder
        ("--tenant", "Kein Kurzname!"): "tenant: String should match",  # not a slug
    }
    for args, said in cases.items():
        error = _run("intake", "run", *args, env=env, ok=(2,))
        assert said in error["error"], (args, error)
