"""The sync as a Prefect flow (artifact with counts only) and as `amtsflow oparl sync`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
from prefect.client.orchestration import get_client

from flows.oparl_sync import oparl_sync
from tests.conftest_oparl import spec_server_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer

AMTSFLOW = str(Path(sys.executable).with_name("amtsflow"))


def _artifact(key: str, flow_run_id: str) -> Any:
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    async def read() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=[key]),
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
                )
            )

    (artifact,) = asyncio.run(read())
    return artifact


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_flow_publishes_counts_and_nothing_personal(
    prefect_api: str, amtsflow_env: Path, spec_server: OParlTestServer
) -> None:
    summary = oparl_sync(tenant="musterstadt", url=spec_server.system_url, full=True)
    assert summary.complete and summary.flow_run_id
    assert summary.objects["meeting"].stored == 1 and summary.objects["paper"].stored == 1
    artifact = _artifact("oparl-sync-musterstadt", summary.flow_run_id)
    rows = json.loads(artifact.data)
    assert {r["Objektart"]: r["Im Bestand"] for r in rows}["Personen"] == 1
    assert "Fehler" in artifact.description
    text = artifact.data + artifact.description
    for personal in ("Mustermann", "Max", "max@mustermann.de", "Anfrage", "Finanzausschuss"):
        assert personal not in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_syncs_the_system_named_in_the_tenant_file(
    prefect_api: str, amtsflow_env: Path, tenants_dir: Path, spec_server: OParlTestServer
) -> None:
    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"oparl:\n  system_url: {spec_server.system_url}\n")
    env = {**os.environ, "PREFECT_API_URL": prefect_api}

    def run(*args: str, code: int) -> Any:
        done = subprocess.run(
            [AMTSFLOW, "oparl", "sync", *args, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == code, done.stderr[-3000:]
        return json.loads(done.stdout)  # exactly one JSON document on stdout

    data = run("--tenant", "nebenan", code=0)
    assert data["complete"] and data["full"] and data["tenant"] == "nebenan"
    assert {k: v["stored"] for k, v in data["objects"].items()} == {
        "body": 1,
        "organization": 1,
        "person": 1,
        "meeting": 1,
        "agendaItem": 1,
        "paper": 1,
        "consultation": 1,
        "file": 2,
    }
    error = run("--tenant", "musterstadt", code=2)
    assert "kein OParl-System" in error["error"]


def test_only_io_failures_retry_the_sync_task() -> None:
    from prefect.states import Failed

    from connectors.oparl import OParlError
    from tasks.oparl_sync import retry_on_io_failure, sync_oparl_task

    def retried(error: BaseException) -> bool:
        return retry_on_io_failure(sync_oparl_task, cast(Any, None), Failed(data=error))

    assert retried(OParlError("http://ris/oparl: HTTP 503 nach 5 Versuchen", transient=True))
    assert retried(ConnectionResetError())
    assert not retried(OParlError("http://ris/oparl: HTTP 404"))
    assert not retried(KeyError("programming error"))


def test_tenant_file_oparl_section_is_checked() -> None:
    from pydantic import ValidationError

    from models.tenant import OParlConfig

    config = OParlConfig(system_url="https://ris.example.de/oparl/v1/system")
    assert config.body is None
    for bad in ({"system_url": "ftp://ris"}, {"system_url": "https://ris", "token": "x"}):
        with pytest.raises(ValidationError):
            OParlConfig.model_validate(bad)
