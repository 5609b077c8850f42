"""The demo's second half: deploy the catalogue, start a worker and the clerks' web pages.

After the intake the newcomer should be able to open the printed address, log in as the
demo municipality's clerk, start a process, review a suggestion and download a result.
That needs the tenant's deployments on the demo's Prefect server, a process worker to run
what the clerk starts, demo accounts, and `amtsflow web`, each left running in the
background with a pid file in the data folder (like the Prefect server).

Demo passwords are generated anew on every demo run and printed once: nothing is stored in
clear, and a stale or leaked demo password stops working at the next run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from models.deployment import DEFAULT_WORK_POOL

#: username -> roles of the demo municipality's accounts.
DEMO_ACCOUNTS: dict[str, list[str]] = {
    "sachbearbeitung": ["clerk", "reviewer"],
    "pruefung": ["reviewer"],
    "verwaltung": ["admin"],
}
BIN = Path(sys.executable).parent
PROJECT = Path(__file__).resolve().parents[1]


def _alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback)
            return bool(response.status == 200)
    except OSError:
        return False


def _background(command: list[str], home: Path, name: str, env: dict[str, str]) -> int:
    """Start a detached process with its log and pid file in the data folder."""
    with (home / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=PROJECT,
            start_new_session=True,
        )
    (home / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def deploy(env: dict[str, str]) -> str:
    """`amtsflow deploy`: every tenant's deployments on the demo server; a short summary."""
    done = subprocess.run(
        [str(BIN / "amtsflow"), "deploy", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        data = json.loads(done.stdout)
    except ValueError:
        return f"Bereitstellung fehlgeschlagen: {done.stderr[-500:]}"
    if "error" in data:
        return f"Bereitstellung fehlgeschlagen: {data['error']}"
    return f"{data.get('deployments', '?')} Bereitstellungen für {', '.join(data['tenants'])}"


def ensure_worker(home: Path, env: dict[str, str]) -> None:
    """A process worker on the catalogue's work pool (reused if its pid is alive)."""
    if _alive(home / "worker.pid"):
        return
    worker_env = {**env, "AMTSFLOW_PROJECT_DIR": str(PROJECT)}
    command = [str(BIN / "prefect"), "worker", "start", "--pool", DEFAULT_WORK_POOL]
    _background([*command, "--type", "process"], home, "worker", worker_env)


def demo_accounts(tenant: str, env: dict[str, str]) -> dict[str, str]:
    """Create (or reset) the demo accounts with fresh passwords; username -> password."""
    from app.web.passwords import generate_password

    passwords: dict[str, str] = {}
    for username, roles in DEMO_ACCOUNTS.items():
        password = generate_password()
        role_args = [arg for role in roles for arg in ("--role", role)]
        command = [str(BIN / "amtsflow"), "users", "add", "--tenant", tenant]
        command += ["--username", username, *role_args, "--password-stdin", "--replace"]
        done = subprocess.run(
            command,
            input=password + "\n",
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            passwords[username] = password
        else:
            sys.stderr.write(done.stderr[-500:])
    return passwords


def ensure_web(home: Path, env: dict[str, str], port: int) -> str:
    """`amtsflow web` in the background (reused when it answers); returns its address."""
    url = f"http://127.0.0.1:{port}"
    if _healthy(f"{url}/health"):
        return url
    command = [str(BIN / "amtsflow"), "web", "--host", "127.0.0.1", "--port", str(port)]
    pid = _background(command, home, "web", env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _healthy(f"{url}/health"):
            return url
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.5)
    raise RuntimeError(f"Weboberfläche startet nicht, siehe {home / 'web.log'}")


def start_web_part(home: Path, env: dict[str, str], tenant: str, port: int) -> None:
    """Deploy, worker, accounts, web; print where to go and how to stop everything."""
    print(f"\nBereitstellung: {deploy(env)}", flush=True)
    ensure_worker(home, env)
    passwords = demo_accounts(tenant, env)
    try:
        url = ensure_web(home, env, port)
    except RuntimeError as exc:
        print(f"\n{exc}")
        return
    print(f"\nWeboberfläche für die Sachbearbeitung: {url}/anmelden  (Gemeinde: Musterstadt)")
    for username, password in passwords.items():
        roles = ", ".join(DEMO_ACCOUNTS[username])
        print(f"  {username:<16} Passwort: {password}   ({roles})")
    print(
        "  Die Passwörter gelten bis zum nächsten Demo-Lauf (jeder Lauf setzt neue).\n"
        "\nIm Hintergrund laufen weiter (beenden mit):\n"
        f"  kill $(cat {home / 'web.pid'})              # Weboberfläche\n"
        f"  kill $(cat {home / 'worker.pid'})           # Prefect-Worker (führt gestartete "
        "Prozesse aus)\n"
        f"  kill $(cat {home / 'prefect-server.pid'})   # Prefect-Server"
    )
