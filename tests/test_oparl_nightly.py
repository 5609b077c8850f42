"""The nightly OParl sync runs from the tenant file alone (a deployment sets only `tenant`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.oparl_sync import oparl_sync
from tests.conftest_oparl import spec_server_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_tenant_only_runs_full_first_then_incremental(
    prefect_api: str, amtsflow_env: Path, tenants_dir: Path, spec_server: OParlTestServer
) -> None:
    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"oparl:\n  system_url: {spec_server.system_url}\n")
    first = oparl_sync(tenant="nebenan")  # what the nightly deployment calls
    assert first.complete and first.full and first.modified_since is None
    assert first.objects["paper"].stored == 1
    before = len(spec_server.paths_requested())
    second = oparl_sync(tenant="nebenan")
    assert second.complete and not second.full and second.modified_since is not None
    lists = [p for p in spec_server.paths_requested()[before:] if "/body/0/" in p]
    assert lists and all("modified_since=" in p for p in lists)
    assert second.objects["paper"].stored == 1  # nothing lost, nothing doubled
