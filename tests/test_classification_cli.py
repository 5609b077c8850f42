"""`amtsflow classify` on a subset of the Karlsruhe papers: one JSON document per --json."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from prefect.concurrency.sync import concurrency
from prefect.settings import PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

import app.classify_flows_cli  # noqa: F401  (registers run and retrain)
from app.classify_cli import classify_app
from connectors.ollama import OLLAMA_LIMIT
from connectors.trained_model import load_documents
from flows.retrain import retrain
from models.classification import Prediction, Taxonomy
from tests.conftest import SAMPLE_INBOX
from tests.conftest_classification import (  # noqa: F401  (the fixtures register by import)
    Saved,
    Subset,
    karlsruhe_fixture,
    saved_model_fixture,
    write_jsonl,
)
from tests.conftest_limits import no_ollama_limit_fixture, set_limit  # noqa: F401
from tests.conftest_ollama import closed_port, fake_ollama_fixture  # noqa: F401
from tests.fake_ollama import FakeOllama, error

runner = CliRunner()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(classify_app, list(args))
    assert result.exit_code == code, result.stderr + result.stdout
    return result.stdout


def test_train_prints_one_json_document(karlsruhe: Subset, tmp_path: Path) -> None:
    small = [d for i, d in enumerate(karlsruhe.train) if i % 4 == 0]
    data = write_jsonl(tmp_path / "train.jsonl", small)
    out = json.loads(_run("train", "--data", str(data), "--out", str(tmp_path / "m"), "--json"))
    assert out["examples"] == len(small) and sum(out["labels"].values()) == len(small)
    assert 0.5 <= out["threshold"] <= 1 and len(out["training_set_sha256"]) == 64
    assert {"accuracy", "macro_f1", "auto_accepted_share"} <= out["metrics"].keys()
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"meta.json", "model.joblib"}
    again = _run("train", "--data", str(data), "--out", str(tmp_path / "m"), "--json", code=2)
    assert "nicht leer" in json.loads(again)["error"]


def test_evaluate_and_predict(saved_model: Saved, karlsruhe: Subset, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "unseen.jsonl", karlsruhe.unseen, zipped=True)
    model = str(saved_model.folder)
    report = json.loads(_run("evaluate", "--model", model, "--data", str(data), "--json"))
    assert report["backend"] == "trained" and report["documents"] == len(karlsruhe.unseen)
    assert report["accuracy"] > 0.9 and report["docs_per_s"] > 0
    assert set(report["per_label"]) <= set(saved_model.model.labels)
    assert {"precision", "recall", "f1", "support"} == set(report["per_label"]["Anfrage"])
    assert 0 < report["auto_accepted_share"] <= 1 and report["auto_accepted_accuracy"] > 0.9

    lines = _run("predict", "--model", model, "--data", str(data)).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == [d.id for d in karlsruhe.unseen]
    for row in rows:
        assert row["candidate"] in saved_model.model.labels
        assert row["label"] in (None, row["candidate"]) and row["backend"] == "trained"
    out = tmp_path / "out.jsonl"
    assert _run("predict", "--model", model, "--data", str(data), "--out", str(out)) == ""
    assert out.read_text(encoding="utf-8").splitlines() == lines


def test_hybrid_backend_uses_the_ollama_factory(
    saved_model: Saved, karlsruhe: Subset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Taxonomy] = []
    shown: list[str] = []

    class Unsure:
        name = "ollama"

        def classify(self, texts: Sequence[str]) -> list[Prediction]:
            shown.extend(texts)
            return [
                Prediction(label="Anfrage", candidate="Anfrage", confidence=0.1, backend="ollama")
                for _ in texts
            ]

    def factory(taxonomy: Taxonomy) -> Unsure:
        asked.append(taxonomy)
        return Unsure()

    monkeypatch.setattr("connectors.ollama.make_classifier", factory)
    data = write_jsonl(tmp_path / "unseen.jsonl", karlsruhe.unseen)
    args = ["--model", str(saved_model.folder), "--data", str(data), "--backend", "hybrid"]
    report = json.loads(_run("evaluate", *args, "--json"))
    assert report["backend"] == "hybrid" and report["documents"] == len(karlsruhe.unseen)
    assert len(asked) == 1 and asked[0].names == saved_model.model.labels
    shown.clear()
    rows = [json.loads(line) for line in _run("predict", *args).splitlines()]
    assert len(asked) == 2 and len(rows) == len(karlsruhe.unseen)
    # The unsure LLM overrules nothing: below the threshold each paper goes to a clerk.
    unsure = [r for r in rows if r["backend"] == "hybrid"]
    assert unsure and all(r["label"] is None for r in unsure)
    assert {r["backend"] for r in rows} == {"trained", "hybrid"}
    assert len(shown) == len(unsure)  # exactly the papers below the threshold were asked


def test_errors_are_one_json_document(saved_model: Saved, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "Anfrage"}\n{kaputt\n', encoding="utf-8")
    model = str(saved_model.folder)
    out = _run("evaluate", "--model", model, "--data", str(bad), "--json", code=2)
    assert "Zeile 2" in json.loads(out)["error"]
    broken = Path(shutil.copytree(saved_model.folder, tmp_path / "m"))
    (broken / "model.joblib").write_bytes(b"not a model")
    good = write_jsonl(tmp_path / "good.jsonl", [])
    good.write_text('{"text": "x", "label": "Anfrage"}\n', encoding="utf-8")
    out = _run("evaluate", "--model", str(broken), "--data", str(good), "--json", code=2)
    assert "Prüfsumme" in json.loads(out)["error"]


def test_mounts_as_a_sub_command() -> None:
    app = typer.Typer()
    app.add_typer(classify_app, name="classify")
    result = runner.invoke(app, ["classify", "--help"])
    assert result.exit_code == 0 and "evaluate" in result.stdout


def _training_artifact(flow_run_id: object) -> Any:
    async def read() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=["training-musterstadt"]),
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
                )
            )

    [artifact] = asyncio.run(read())
    return artifact


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retraining_shows_history_it_left_out_and_stops_without_its_file(
    prefect_api: str, amtsflow_env: Path, tenants_dir: Path, tmp_path: Path
) -> None:
    shipped = load_documents(SAMPLE_INBOX.parent / "history.jsonl.gz")
    foreign = [dataclasses.replace(d, label="Bauantrag") for d in shipped[:7]]  # not in the list
    history = write_jsonl(tmp_path / "history.jsonl", [*shipped, *foreign])
    yaml = tenants_dir / "musterstadt.yaml"
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(text.replace(str(SAMPLE_INBOX.parent / "history.jsonl.gz"), str(history)))

    result = CliRunner().invoke(classify_app, ["retrain", "--tenant", "musterstadt"])
    assert result.exit_code == 0, result.output
    assert "; 7 Bestandszeilen mit Kategorie außerhalb der Liste (nicht genutzt)" in result.stdout
    state = retrain(tenant="musterstadt", return_state=True)  # unchanged data: kept, counted
    summary = state.result()
    assert summary.history_skipped == 7 and summary.from_history == len(shipped)
    artifact = _training_artifact(state.state_details.flow_run_id)
    rows = {row["Kennzahl"]: row["Wert"] for row in json.loads(artifact.data)}
    assert rows["Bestandszeilen mit Kategorie außerhalb der Liste (nicht genutzt)"] == 7
    assert f"{len(shipped)} aus dem Bestand); 7 Bestandszeilen" in artifact.description

    history.unlink()
    result = CliRunner().invoke(classify_app, ["retrain", "--tenant", "musterstadt", "--json"])
    assert result.exit_code == 2
    error = f"Gemeinde musterstadt: die eingetragene Bestandsdatei (seed_data) {history} fehlt"
    assert json.loads(result.stdout) == {"error": error}
    assert result.stderr == f"Fehler: {error}\n"


def _three_papers_by_ollama(saved_model: Saved, karlsruhe: Subset, tmp_path: Path) -> list[str]:
    """Arguments of `classify predict|evaluate` for three unseen papers, LLM only."""
    data = write_jsonl(tmp_path / "drei.jsonl", karlsruhe.unseen[:3])
    return ["--model", str(saved_model.folder), "--data", str(data), "--backend", "ollama"]


def test_the_llm_backend_waits_for_the_shared_ollama_slot(
    prefect_api: str,
    no_ollama_limit: None,
    saved_model: Saved,
    karlsruhe: Subset,
    fake_ollama: FakeOllama,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another municipality's night holds the only slot: the CLI asks Ollama only after it."""
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    set_limit(OLLAMA_LIMIT, 1)
    held = threading.Event()
    asked_meanwhile: list[int] = []

    def night() -> None:
        with concurrency(OLLAMA_LIMIT, occupy=1, strict=True):
            held.set()
            time.sleep(3)
            asked_meanwhile.append(len(fake_ollama.chats))

    # the thread needs this test's Prefect settings (the session's server), not defaults
    holder = threading.Thread(target=contextvars.copy_context().run, args=(night,))
    holder.start()
    assert held.wait(30)
    args = _three_papers_by_ollama(saved_model, karlsruhe, tmp_path)
    rows = [json.loads(line) for line in _run("predict", *args).splitlines()]
    holder.join(30)

    assert asked_meanwhile == [0]  # nothing was sent while the slot was taken
    assert len(rows) == 3 and {r["backend"] for r in rows} == {"ollama"}
    assert len(fake_ollama.chats) == 3


def test_a_configured_prefect_server_that_does_not_answer_is_said_at_once(
    saved_model: Saved,
    karlsruhe: Subset,
    fake_ollama: FakeOllama,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    dead = f"http://127.0.0.1:{closed_port()}/api"
    args = _three_papers_by_ollama(saved_model, karlsruhe, tmp_path)
    with temporary_settings({PREFECT_API_URL: dead}):
        out = _run("evaluate", *args, "--json", code=2)
    assert json.loads(out)["error"].startswith(f"Prefect-Server {dead} antwortet nicht")
    assert fake_ollama.chats == []  # nothing sent past the limit


def test_the_llm_alone_without_its_model_or_server_ends_with_what_to_do(
    saved_model: Saved,
    karlsruhe: Subset,
    fake_ollama: FakeOllama,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AMTSFLOW_OLLAMA_MODEL", "qwen2.5:3b")
    monkeypatch.setenv("AMTSFLOW_OLLAMA_MAX_RETRIES", "0")
    args = _three_papers_by_ollama(saved_model, karlsruhe, tmp_path)
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    fake_ollama.enqueue(*[error(404, "model 'qwen2.5:3b' not found")] * 3)
    missing = json.loads(_run("evaluate", *args, "--json", code=2))["error"]
    assert "ollama pull qwen2.5:3b" in missing
    fake_ollama.enqueue(*[error(404, "model 'qwen2.5:3b' not found")] * 3)
    result = runner.invoke(classify_app, ["predict", *args])
    assert result.exit_code == 2 and result.stdout == ""  # no lines that look like answers
    assert "ollama pull qwen2.5:3b" in result.stderr
    monkeypatch.setenv("OLLAMA_HOST", f"http://127.0.0.1:{closed_port()}")
    down = json.loads(_run("evaluate", *args, "--json", code=2))["error"]
    assert "antwortet nicht" in down and "ollama serve" in down
