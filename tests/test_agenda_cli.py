"""`amtsflow agenda prepare`: the outputs at once, from the synced OParl data, as one JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from connectors.database import make_engine
from models.settings import Settings
from tasks.oparl_setup import prepare_sync
from tests.agenda_drafts import SECRET_TITLE
from tests.agenda_world import add_upcoming_meeting
from tests.conftest_oparl import run_sync, spec_server_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer

AMTSFLOW = str(Path(sys.executable).with_name("amtsflow"))


def _run(*args: str, code: int) -> Any:
    done = subprocess.run(
        [AMTSFLOW, "agenda", "prepare", *args, "--json"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == code, done.stderr[-3000:]
    return json.loads(done.stdout)  # exactly one JSON document on stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_prepare_writes_outputs_and_copies_them(
    amtsflow_env: Path, spec_server: OParlTestServer, tmp_path: Path
) -> None:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=30)
    world = add_upcoming_meeting(spec_server, start)
    settings = Settings()
    prepare_sync(settings, "musterstadt", spec_server.system_url)
    engine = make_engine(settings.effective_database_url)
    try:
        assert run_sync(engine, spec_server.system_url, "musterstadt", full=True).complete
    finally:
        engine.dispose()
    out = tmp_path / "ausgabe"
    data = _run("--tenant", "musterstadt", "--meeting", world.meeting, "--out", str(out), code=0)
    assert data["status"] == "ohne-freigabe" and data["tenant"] == "musterstadt"
    assert data["nonpublic_items"] >= 1 and len(data["files"]) == 8
    copied = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert copied == sorted(f["path"].split("/", 2)[-1] for f in data["files"])
    public = PdfReader(out / "oeffentlich" / "sitzungsmappe.pdf")
    assert SECRET_TITLE not in "".join(p.extract_text() for p in public.pages)
    hidden = PdfReader(out / "nichtoeffentlich" / "sitzungsmappe.pdf")
    assert any(SECRET_TITLE in n.title for n in hidden.outline if not isinstance(n, list))
    assert SECRET_TITLE not in json.dumps(data)  # the summary holds numbers, not titles


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unknown_tenant_is_a_clear_error(amtsflow_env: Path) -> None:
    data = _run("--tenant", "nirgendwo", "--meeting", "http://127.0.0.1/m/1", code=2)
    assert "nirgendwo" in data["error"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_broken_tenant_template_fails_before_anything_is_built(
    amtsflow_env: Path, tenants_dir: Path
) -> None:
    import docx

    own = tenants_dir / "musterstadt" / "agenda"
    own.mkdir(parents=True)
    document = docx.Document()
    document.add_paragraph("{{ top.betreff }} am {{ sitzungstag }}")
    document.save(str(own / "einladung.docx"))
    data = _run("--tenant", "musterstadt", "--meeting", "http://127.0.0.1/m/1", code=2)
    assert "agenda/einladung.docx" in data["error"] and "sitzungstag" in data["error"]
    assert not (amtsflow_env / "tenants" / "musterstadt" / "outputs" / "sitzungen").exists()
