"""Benchmark: 2,000 mixed submissions through the intake, Prefect flow vs. plain loop.

Both modes run the same steps (store, parse in the limited worker pool, validate, case,
acknowledgement, audit) on a fresh SQLite database and data folder, each in its own
child process (clean peak-memory figures). The Prefect mode runs the real flow against a
local Prefect server started once by this script (its start-up is not timed: a
production installation has its server running). Modes alternate; figures are medians.

    .venv/bin/python bench/intake.py [--files 2000] [--repeat 3]

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def child(mode: str, inbox: Path) -> None:
    """One measured run in this process; prints its figures as JSON."""
    from models.settings import Settings

    settings = Settings()
    if mode == "prefect":
        from flows.intake import intake

        start = time.perf_counter()
        summary = intake(tenant="musterstadt", source=str(inbox))
        seconds = time.perf_counter() - start
        counts = summary.model_dump(include={"accepted", "quarantined", "duplicates", "errors"})
    else:
        from connectors.documents import ParserPool
        from connectors.dropfolder import scan
        from tasks.intake_batch import process_batch
        from tasks.intake_setup import open_context
        from tasks.intake_summary import summarise

        start = time.perf_counter()
        with ParserPool(
            workers=settings.parse_workers,
            timeout_s=settings.parse_timeout_s,
            memory_mb=settings.parse_memory_mb,
            max_bytes=settings.max_file_bytes,
        ) as pool:
            ctx = open_context(settings, "musterstadt", pool, None)
            files = scan(inbox)
            results = []
            for i in range(0, len(files), settings.batch_size):
                results += process_batch(ctx, files[i : i + settings.batch_size])
        seconds = time.perf_counter() - start
        s = summarise(results, tenant="musterstadt", source=str(inbox), flow_run_id=None)
        counts = s.model_dump(include={"accepted", "quarantined", "duplicates", "errors"})
    print(json.dumps({"seconds": seconds, "peak_rss_mb": _peak_mb(), **counts}))


def _start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).with_name("prefect")
    proc = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("Prefect server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["plain", "prefect"])
    parser.add_argument("--inbox", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.inbox)
        return

    from scripts.make_samples import generate_submissions

    work = Path(tempfile.mkdtemp(prefix="amtsflow-bench-"))
    inbox = work / "inbox"
    t0 = time.perf_counter()
    generate_submissions(inbox, args.files, seed=2026)
    print(f"generated {args.files} submissions in {time.perf_counter() - t0:.1f}s", flush=True)
    tenants = work / "tenants"  # the flow only reads folders of its own tenant
    tenants.mkdir()
    text = (ROOT / "tenants" / "musterstadt.yaml").read_text(encoding="utf-8")
    text = text.replace("../samples/musterstadt/inbox", str(inbox))
    text = text.replace("../samples/", str(ROOT / "samples") + "/")
    (tenants / "musterstadt.yaml").write_text(text, encoding="utf-8")
    server, api = _start_server(work)
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "prefect": []}
    try:
        for i in range(args.repeat):
            for mode in ("plain", "prefect") if i % 2 == 0 else ("prefect", "plain"):
                home = work / f"{mode}-{i}"
                env = {
                    **os.environ,
                    "AMTSFLOW_HOME": str(home),
                    "PREFECT_API_URL": api,
                    "PREFECT_HOME": str(work / "prefect"),
                    "AMTSFLOW_DATABASE_URL": f"sqlite:///{home / 'amtsflow.db'}",
                }
                env["AMTSFLOW_TENANTS"] = str(tenants)  # its drop folder is the bench's inbox
                out = (
                    subprocess.run(
                        [sys.executable, __file__, "--child", mode, "--inbox", str(inbox)],
                        env=env,
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    .stdout.strip()
                    .splitlines()[-1]
                )
                figures = json.loads(out)
                runs[mode].append(figures)
                print(f"{mode:8s} run {i}: {figures}", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[mode])

    plain_s, prefect_s = med("plain", "seconds"), med("prefect", "seconds")
    result = {
        "files": args.files,
        "repeat": args.repeat,
        "prefect_seconds_median": round(prefect_s, 2),
        "plain_seconds_median": round(plain_s, 2),
        "prefect_files_per_s": round(args.files / prefect_s, 1),
        "plain_files_per_s": round(args.files / plain_s, 1),
        "ratio_prefect_vs_plain": round(prefect_s / plain_s, 3),
        "prefect_peak_rss_mb_median": med("prefect", "peak_rss_mb"),
        "plain_peak_rss_mb_median": med("plain", "peak_rss_mb"),
        "accepted": runs["prefect"][0]["accepted"],
        "quarantined": runs["prefect"][0]["quarantined"],
        "target_files_per_s": 50,
        "target_ratio": 1.3,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
