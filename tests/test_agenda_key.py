"""The papers' files of an agenda are fetched with the municipality's own OParl key.

A council information system that protects its API protects its files too. The sync used
the municipality's Secret block; the agenda's file downloads must use the same key, and
only towards the system the tenant file names.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest
from pydantic import SecretStr

from tasks.agenda_steps import build_draft_task, write_outputs_task
from tasks.secrets import save_secret
from tests.agenda_world import synced_upcoming_meeting
from tests.conftest_oparl import spec_server_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer

TENANT = "musterstadt"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_paper_files_are_fetched_with_the_municipalitys_own_key(
    prefect_api: str, amtsflow_env: Path, tenants_dir: Path, spec_server: OParlTestServer
) -> None:
    with (tenants_dir / f"{TENANT}.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"oparl:\n  system_url: {spec_server.system_url}\nsecrets: [oparl]\n")
    token = "tok-" + secrets.token_hex(16)
    save_secret(TENANT, "oparl", SecretStr(token))
    world = synced_upcoming_meeting(spec_server, TENANT)
    today = dt.date.today()
    draft = build_draft_task.fn(TENANT, world.meeting, today)
    wanted = {f for item in draft.items for f in item.file_ids}
    assert wanted, "the meeting's papers name no file"
    before = len(spec_server.requests)
    result = write_outputs_task.fn(draft, today)
    downloads = [
        {k.lower(): v for k, v in headers.items()}
        for path, headers in spec_server.requests[before:]
        if path in spec_server.files
    ]
    assert downloads, "no file was downloaded"
    assert {h.get("authorization") for h in downloads} == {f"Bearer {token}"}
    assert token not in repr(result)
