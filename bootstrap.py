#!/usr/bin/env python3
"""Set up Amtsflow on a machine that has only python3, then run the demo or the tests.

    python3 bootstrap.py demo    # venv + pinned packages, then the intake demo
    python3 bootstrap.py test    # venv + pinned packages (+ chromium), then every test

The virtual environment lives in `.venv/`; packages come from `requirements.lock`
(exact versions), so every machine installs the same set. A marker with the lock's
hash skips the install when nothing changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
LOCK = ROOT / "requirements.lock"
MARKER = VENV / ".amtsflow-installed"


def run(*cmd: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)


def setup() -> None:
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes())
    if MARKER.exists() and MARKER.read_text() == digest.hexdigest():
        return
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    # Playwright's Python package drives Debian's chromium; it must never fetch a browser.
    run(
        *pip,
        "install",
        "-r",
        str(LOCK),
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
    )
    run(*pip, "install", "--no-deps", "--no-build-isolation", "-e", ".")
    MARKER.write_text(digest.hexdigest())


def postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def ensure_postgres() -> None:
    """Tests use the machine's PostgreSQL for real; start the cluster if it is down."""
    if postgres_up() or shutil.which("pg_ctlcluster") is None:
        return
    versions = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").is_dir() else []
    for version in versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """Browser tests drive Debian's Chromium; install it once (nothing downloads a browser)."""
    if CHROMIUM.exists():
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        print(
            f"bootstrap: {CHROMIUM} is missing and cannot be installed here "
            f"({'no apt-get' if apt is None else 'not root'}); as root run: "
            "apt-get update && apt-get install -y --no-install-recommends chromium",
            file=sys.stderr,
            flush=True,
        )
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        run(apt, "update", "-q", env=env)
        run(apt, "install", "-y", "-q", "--no-install-recommends", "chromium", env=env)
    except subprocess.CalledProcessError as exc:
        # The other tests still run; the browser tests then fail naming the missing browser.
        print(f"bootstrap: installing chromium failed ({exc})", file=sys.stderr, flush=True)


def demo() -> int:
    env = {**os.environ}
    env.setdefault("AMTSFLOW_HOME", str(ROOT / "data"))
    env.setdefault("PREFECT_HOME", str(Path(env["AMTSFLOW_HOME"]) / "prefect"))
    return subprocess.run([str(BIN / "amtsflow"), "demo"], env=env, cwd=ROOT).returncode


def test(extra: list[str]) -> int:
    ensure_postgres()
    ensure_chromium()
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    for step in (
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy"), "app", "flows", "tasks", "connectors", "models"],
    ):
        print("+", " ".join(step), flush=True)
        if subprocess.run(step, cwd=ROOT, env=env).returncode != 0:
            return 1
    cmd = [str(BIN / "python"), "-m", "pytest", *extra]
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    setup()
    if sys.argv[1] == "demo":
        return demo()
    if sys.argv[1] == "test":
        return test(sys.argv[2:])
    ensure_chromium()
    return 0


if __name__ == "__main__":
    sys.exit(main())
