"""Tenant credentials in Prefect Secret blocks: set by the operator, used by the OParl sync,
and never visible in logs, artifacts, the database, run parameters or exception messages."""

from __future__ import annotations

import asyncio
import json
import secrets as random_secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.logging.handlers import APILogHandler
from pydantic import SecretStr
from typer.testing import CliRunner

from app.cli import app
from flows.oparl_sync import oparl_sync
from tasks.secrets import MissingSecretError, load_secret, secret_block_for
from tests.conftest_oparl import spec_server_fixture  # noqa: F401
from tests.oparl_server import Answer, OParlTestServer


def _set(tenant: str, purpose: str, value: str) -> Any:
    return CliRunner().invoke(
        app, ["secrets", "set", "--tenant", tenant, "--purpose", purpose, "--json"], input=value
    )


def _everything_prefect_kept(flow_run_id: Any) -> str:
    """Parameters, state messages, logs and artifacts of one run, as one text."""
    APILogHandler().flush()  # logs are shipped in batches: send what is queued

    async def read() -> str:
        async with get_client() as client:
            run = await client.read_flow_run(flow_run_id)
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
            )
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
                )
            )
            parts = [json.dumps(run.parameters), run.name, str(run.state and run.state.message)]
            parts += [log.message for log in logs]
            parts += [f"{a.data} {a.description}" for a in artifacts]
            assert logs, "the run wrote logs: the check below reads something"
            return "\n".join(parts)

    return asyncio.run(read())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_secret_is_used_but_never_shown(
    prefect_api: str,
    amtsflow_env: Path,
    tenants_dir: Path,
    database_url: str,
    spec_server: OParlTestServer,
) -> None:
    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"oparl:\n  system_url: {spec_server.system_url}\nsecrets: [oparl]\n")
    token = "tok-" + random_secrets.token_hex(16)

    result = _set("nebenan", "oparl", token + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["block"] == "amtsflow-nebenan-oparl"
    assert token not in result.output
    loaded = load_secret("nebenan", "oparl")
    assert isinstance(loaded, SecretStr) and loaded.get_secret_value() == token
    assert token not in repr(loaded) and token not in str(loaded)

    summary = oparl_sync(tenant="nebenan", full=True)
    assert summary.complete
    sent = [
        h
        for _, headers in spec_server.requests
        for k, h in headers.items()
        if k.lower() == "authorization"
    ]
    assert sent and set(sent) == {f"Bearer {token}"}  # the key reached the system ...
    kept = _everything_prefect_kept(summary.flow_run_id)
    assert token not in kept  # ... and nowhere else
    assert token not in summary.model_dump_json()
    db_file = Path(database_url.removeprefix("sqlite:///"))
    for path in db_file.parent.glob(db_file.name + "*"):
        assert token.encode() not in path.read_bytes(), path

    # the system refuses: the failure names the URL and status, not the key
    spec_server.fixed[urlsplit(spec_server.system_url).path] = Answer(status=401, body=b"{}")
    state = oparl_sync(tenant="nebenan", full=True, return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception) as info:
        state.result()
    assert token not in str(info.value) and token not in repr(info.value)
    assert token not in _everything_prefect_kept(state.state_details.flow_run_id)

    # a run pointed at another system never sends the key there
    spec_server.fixed.clear()
    before = len(spec_server.requests)
    other = spec_server.system_url.replace("127.0.0.1", "localhost")
    oparl_sync(tenant="nebenan", url=other, full=True)
    assert all(k.lower() != "authorization" for _, h in spec_server.requests[before:] for k in h)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_missing_block_names_the_block_and_how_to_set_it(
    prefect_api: str, amtsflow_env: Path, tenants_dir: Path
) -> None:
    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as handle:
        handle.write("secrets: {dms: amtsflow-nebenan-dmsarchiv}\n")
    with pytest.raises(MissingSecretError) as info:
        load_secret("nebenan", "dms")
    message = str(info.value)
    assert "amtsflow-nebenan-dmsarchiv" in message
    assert "amtsflow secrets set --tenant nebenan --purpose dms" in message
    with pytest.raises(MissingSecretError, match="secrets: \\[mail\\]"):
        secret_block_for("nebenan", "mail")

    status = CliRunner().invoke(app, ["secrets", "status", "--json"])
    assert status.exit_code == 1
    rows = json.loads(status.stdout)
    assert {
        "tenant": "nebenan",
        "purpose": "dms",
        "block": "amtsflow-nebenan-dmsarchiv",
        "present": False,
    } in rows


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_value_is_never_taken_from_the_command_line(amtsflow_env: Path) -> None:
    result = CliRunner().invoke(
        app, ["secrets", "set", "--tenant", "nebenan", "--purpose", "mail", "--value", "x"]
    )
    assert result.exit_code == 2 and "--value" in result.output
    empty = _set("nebenan", "mail", "")
    assert empty.exit_code == 2


def test_a_tenant_file_cannot_reference_another_tenants_block(tenants_dir: Path) -> None:
    from connectors.catalogue import TenantConfigError, load_tenant

    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as handle:
        handle.write("secrets: {mail: amtsflow-musterstadt-mail}\n")
    with pytest.raises(TenantConfigError, match="amtsflow-nebenan-"):
        load_tenant("nebenan", tenants_dir)
    # a slug may contain dashes: `nebenan` must not name the block of `nebenan-dorf`
    text = (tenants_dir / "nebenan.yaml").read_text(encoding="utf-8")
    for foreign in ("amtsflow-nebenan-dorf-mail", "amtsflow-nebenan-"):
        spoiled = text.replace("amtsflow-musterstadt-mail", foreign)
        (tenants_dir / "nebenan.yaml").write_text(spoiled, encoding="utf-8")
        with pytest.raises(TenantConfigError, match=r"secrets\.mail"):
            load_tenant("nebenan", tenants_dir)
    own = text.replace("amtsflow-musterstadt-mail", "amtsflow-nebenan-postfach")
    (tenants_dir / "nebenan.yaml").write_text(own, encoding="utf-8")
    assert load_tenant("nebenan", tenants_dir).secrets.named() == {
        "mail": "amtsflow-nebenan-postfach"
    }
