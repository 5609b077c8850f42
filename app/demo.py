"""The demo: Musterstadt's sample inbox through the intake on a local Prefect server.

The server keeps running after the demo so the newcomer can look at the run in the
Prefect UI; `prefect server stop` or killing the logged PID ends it.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from models.settings import Settings

TENANT = "musterstadt"


def format_summary(data: dict[str, Any]) -> str:
    """The run's summary as a small German table."""
    lines = [
        f"Posteingang {data['tenant']}: {data['files']} Dateien in {data['seconds']} s",
        f"  angenommen (Vorgang angelegt): {data['accepted']}",
        f"  Quarantäne:                   {data['quarantined']}",
        f"  Duplikate (schon bekannt):     {data['duplicates']}",
        f"  Fehler (bleiben liegen):       {data['errors']}",
        "",
        f"  {'Formular':<24}{'angen.':>8}{'Quar.':>8}{'Dupl.':>8}",
    ]
    for name, c in data["by_form_type"].items():
        lines.append(f"  {name:<24}{c['accepted']:>8}{c['quarantined']:>8}{c['duplicates']:>8}")
    if data["quarantine_reasons"]:
        lines.append("")
        lines.append(
            "  Quarantäne-Gründe: "
            + ", ".join(f"{k} ×{v}" for k, v in data["quarantine_reasons"].items())
        )
    if data.get("quarantined_parts"):
        lines.append(
            f"  Dazu fehlerhafte Formulare in E-Mails (eigene Quarantäne-Einträge): "
            f"{data['quarantined_parts']} ("
            + ", ".join(f"{k} ×{v}" for k, v in data["part_reasons"].items())
            + ")"
        )
    return "\n".join(lines)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def ensure_prefect_server(home: Path, port: int) -> str:
    """Reuse a server on the port, or start one in the background and wait for it."""
    url = f"http://127.0.0.1:{port}/api"
    if _healthy(url):
        return url
    prefect_home = Path(os.environ.get("PREFECT_HOME", home / "prefect"))
    prefect_home.mkdir(parents=True, exist_ok=True)
    log = (home / "prefect-server.log").open("ab")
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    # Runs, their logs and artifacts (file names, counts) go after 90 days, like the archive.
    env.setdefault("PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED", "events,flow_runs")
    env.setdefault("PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD", str(90 * 86400))
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).with_name("prefect")
    process = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    (home / "prefect-server.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if _healthy(url):
            return url
        if process.poll() is not None:
            raise RuntimeError(f"Prefect-Server beendet, siehe {home / 'prefect-server.log'}")
        time.sleep(0.5)
    raise RuntimeError("Prefect-Server antwortet nicht")


def run_demo(port: int, web_port: int = 8400) -> int:
    """Run the demo; returns the process exit code."""
    settings = Settings()
    home = settings.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    print(f"Datenordner: {home}", flush=True)
    api = os.environ.get("PREFECT_API_URL") or ensure_prefect_server(home, port)
    ui = api.removesuffix("/api")
    print(f"Prefect-Server: {ui}", flush=True)
    env = {**os.environ, "PREFECT_API_URL": api, "AMTSFLOW_HOME": str(home)}
    amtsflow = Path(sys.executable).with_name("amtsflow")
    done = subprocess.run(
        [str(amtsflow), "intake", "run", "--tenant", TENANT, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1) or not done.stdout.strip():
        sys.stderr.write(done.stderr[-4000:])
        print("Demo fehlgeschlagen.", file=sys.stderr)
        return done.returncode or 1
    data = json.loads(done.stdout)
    tenant_dir = home / "tenants" / TENANT
    classified = subprocess.run(
        [str(amtsflow), "classify", "run", "--tenant", TENANT, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    klass = json.loads(classified.stdout) if classified.stdout.strip() else {}
    # the commands to look further read the demo's data folder, not the shell's default
    cli = f"AMTSFLOW_HOME={shlex.quote(str(home))} .venv/bin/amtsflow"
    print()
    print(format_summary(data))
    if "backend" in klass:
        print(
            f"\nKlassifikation: {klass['documents']} Dokumente, Verfahren: {klass['backend']}\n"
            f"  automatisch zugeordnet: {klass['auto']}, zur Prüfung: {klass['review']}, "
            f"OCR nötig: {klass['needs_ocr']}, nicht lesbar: {klass['unreadable']}\n"
            f"  Prüfaufträge: {cli} review list --tenant {TENANT}"
        )
    else:
        print(f"\nKlassifikation fehlgeschlagen: {klass.get('error', classified.stderr[-500:])}")
    print(
        "\nWo nachsehen:\n"
        f"  Lauf in der Prefect-Oberfläche: {ui}/runs/flow-run/{data['flow_run_id']}\n"
        f"  Eingangsbestätigungen (DOCX):   {tenant_dir / 'outputs' / 'eingangsbestaetigungen'}\n"
        f"  Originale (nach SHA-256):        {tenant_dir / 'store'}\n"
        f"  Quarantäne-Gründe:               {tenant_dir / 'quarantine'}\n"
        f"  Vorgänge:    {cli} cases list --tenant {TENANT}\n"
        f"  Quarantäne:  {cli} quarantine list --tenant {TENANT}\n"
        "  Ein zweiter Lauf (gleiche Dateien) legt nichts doppelt an: alles wird Duplikat.\n"
    )
    from app.demo_web import start_web_part

    start_web_part(home, env, TENANT, web_port)
    return 0
