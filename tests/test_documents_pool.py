"""The parser pool: real worker processes, real hostile inputs, real kills."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.documents import (
    DocumentKind,
    DocumentParser,
    ParsedDocument,
    ParseFailure,
    ParserPool,
    parse_document,
)
from connectors.documents import pool as pool_module
from connectors.documents.wire import dump_result, load_result
from tests.conftest_documents import (
    FIXTURES,
    MAX_BYTES,
    bomb_pdf,
    fixture_files,
    memory_hog_json,
    slow_pdf,
    text_pdf,
)

FORM = FIXTURES / "pdf" / "form_evince.pdf"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    files = {"slow": slow_pdf(), "bomb": bomb_pdf(), "hog": memory_hog_json(), "ok": text_pdf()}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


@pytest.fixture(scope="module")
def shared_pool() -> Iterator[ParserPool]:
    with ParserPool(workers=2, timeout_s=30) as pool:
        yield pool


def pids(pool: ParserPool) -> list[int]:
    return pool._workers.pids()


def assert_form(doc: ParsedDocument) -> None:
    assert doc.ok and doc.fields == {"foo": "bar"}


def test_pool_reads_fixtures_as_in_process(shared_pool: ParserPool) -> None:
    parser: DocumentParser = shared_pool
    files = fixture_files()
    results = dict(parser.parse_many(files))
    assert sorted(results) == files
    for path in files:
        assert results[path] == parse_document(path, MAX_BYTES), path


def test_timeout_kills_the_worker_and_a_fresh_one_continues(hostile: dict[str, Path]) -> None:
    with ParserPool(workers=1, timeout_s=0.5) as pool:
        assert_form(pool.parse(FORM))
        before = pids(pool)
        started = time.monotonic()
        doc = pool.parse(hostile["slow"])
        assert time.monotonic() - started < 3
        assert (doc.kind, doc.failure) == (DocumentKind.PDF, ParseFailure.TIMEOUT)
        assert doc.failure_detail == "no result within 0.5 s"
        assert pids(pool) == []
        assert_form(pool.parse(FORM))
        assert pids(pool) != before


def test_memory_limit(hostile: dict[str, Path]) -> None:
    with ParserPool(workers=1, memory_mb=256) as pool:
        hog = pool.parse(hostile["hog"])
        assert (hog.kind, hog.failure) == (DocumentKind.JSON, ParseFailure.MEMORY)
        assert pids(pool) == []  # retired: its heap may be fragmented
        assert_form(pool.parse(FORM))
        bomb = pool.parse(hostile["bomb"])  # pypdf's limit or the address-space limit
        assert (bomb.kind, bomb.failure) == (DocumentKind.PDF, ParseFailure.MEMORY)


def test_killed_worker_means_crashed_and_is_replaced(hostile: dict[str, Path]) -> None:
    with ParserPool(workers=1, timeout_s=30) as pool:
        assert_form(pool.parse(FORM))
        (pid,) = pids(pool)
        killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))  # as the OOM killer would
        killer.start()
        doc = pool.parse(hostile["slow"])
        killer.join()
        assert (doc.kind, doc.failure) == (DocumentKind.PDF, ParseFailure.CRASHED)
        assert_form(pool.parse(FORM))


def test_worker_that_died_while_idle_is_replaced_silently() -> None:
    with ParserPool(workers=1) as pool:
        assert_form(pool.parse(FORM))
        (pid,) = pids(pool)
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
        assert_form(pool.parse(FORM))
        assert pids(pool) != [pid]


def test_parse_many_keeps_all_workers_busy(hostile: dict[str, Path]) -> None:
    with ParserPool(workers=2, timeout_s=2) as pool:
        paths = [hostile["slow"], FORM, hostile["ok"], FORM, hostile["ok"]]
        order = [path for path, _ in pool.parse_many(paths)]
        assert sorted(order) == sorted(paths)
        assert order[-1] == hostile["slow"]  # the others went past it on the second worker


def test_workers_are_reused_then_recycled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "RECYCLE_AFTER", 3)
    with ParserPool(workers=1) as pool:
        seen = []
        for _ in range(4):
            assert_form(pool.parse(FORM))
            seen.append(pids(pool))
        assert len(seen[0]) == 1 and seen[1] == seen[0]
        assert seen[2] == []  # retired after its third document
        assert seen[3] not in ([], seen[0])


def test_leaving_parse_many_early_kills_busy_workers(hostile: dict[str, Path]) -> None:
    with ParserPool(workers=2, timeout_s=30) as pool:
        results = pool.parse_many([hostile["slow"], FORM])
        path, _ = next(results)
        assert path == FORM
        results.close()
        assert len(pids(pool)) == 1  # the idle one stays, the busy one is gone
        assert_form(pool.parse(FORM))


def test_close_stops_every_worker() -> None:
    pool = ParserPool(workers=2)
    list(pool.parse_many([FORM, FORM, FORM]))
    workers = list(pool._workers._all)
    assert len(workers) == 2
    pool.close()
    assert all(worker.process.poll() is not None for worker in workers)
    with pytest.raises(RuntimeError, match="closed"):
        pool.parse(FORM)


def test_threads_may_share_a_pool(shared_pool: ParserPool) -> None:
    results: list[ParsedDocument] = []

    def work() -> None:
        results.extend(shared_pool.parse(FORM) for _ in range(5))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    for doc in results:
        assert_form(doc)


def test_worker_imports_no_prefect() -> None:
    code = (
        "import sys, connectors.documents.worker;"
        "sys.exit('prefect' in sys.modules or 'sqlalchemy' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


def test_forged_answer_is_refused() -> None:
    doc = ParsedDocument(kind=DocumentKind.PDF, fields={"a": "b"})
    assert load_result(dump_result(doc)) == doc
    with pytest.raises(pickle.UnpicklingError):
        load_result(pickle.dumps(Path("/etc/passwd")))
    with pytest.raises(pickle.UnpicklingError):
        load_result(pickle.dumps({"kind": "pdf"}))


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        ParserPool(workers=0)


def test_worker_gets_no_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMTSFLOW_DATABASE_URL", "postgresql://amt:geheim@db/amt")
    with ParserPool(workers=1) as pool:
        assert_form(pool.parse(FORM))
        (pid,) = pids(pool)
        environment = Path(f"/proc/{pid}/environ").read_bytes()
    assert b"geheim" not in environment


def test_workers_do_not_rerun_the_callers_main_module(tmp_path: Path) -> None:
    """With multiprocessing's spawn they would: a script without a main guard ran twice."""
    marker = tmp_path / "runs"
    script = tmp_path / "caller.py"
    script.write_text(
        "from pathlib import Path\n"
        "from connectors.documents import ParserPool\n"
        f"with Path({str(marker)!r}).open('a') as runs:\n"
        "    runs.write('run\\n')\n"
        "with ParserPool(workers=2) as pool:\n"
        f"    assert all(doc.ok for _, doc in pool.parse_many([Path({str(FORM)!r})] * 4))\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True)
    assert marker.read_text() == "run\n"
