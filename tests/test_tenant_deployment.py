"""The deployment part of tenant files: defaults, overrides, and validation of every error."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from connectors.catalogue import load_tenant
from models.deployment import cron_problem
from models.deployment_plan import MANAGED_TAG, plan_tenant
from models.settings import PROJECT_ROOT

TENANTS = PROJECT_ROOT / "tenants"


def _plan(slug: str) -> dict[str, object]:
    planned, problems = plan_tenant(load_tenant(slug, TENANTS))
    assert problems == []
    return {p.flow_name: p for p in planned}


def test_three_demo_municipalities_ship_valid() -> None:
    result = CliRunner().invoke(app, ["tenants", "validate", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["valid"] == ["kleindorf", "musterstadt", "seestadt"]
    assert data["errors"] == []
    assert not [w for w in data["warnings"] if "Ordner fehlt" in w["message"]]


def test_defaults_keep_a_tenant_file_short() -> None:
    plan = _plan("musterstadt")
    assert set(plan) == {"intake", "classify", "retrain", "review-label", "nightly"}
    intake = plan["intake"]
    assert intake.parameters == {"tenant": "musterstadt"}  # type: ignore[attr-defined]
    assert intake.tags == ("tenant:musterstadt", MANAGED_TAG, "intake")  # type: ignore[attr-defined]
    assert (intake.work_pool, intake.work_queue) == ("amtsflow", "musterstadt")  # type: ignore[attr-defined]
    crons = {
        name: [(s.cron, s.timezone) for s in p.schedules]  # type: ignore[attr-defined]
        for name, p in plan.items()
    }
    assert crons == {
        "intake": [("*/15 7-17 * * 1-5", "Europe/Berlin")],
        "classify": [("0 1 * * *", "Europe/Berlin")],
        "retrain": [],
        "review-label": [],
        "nightly": [("0 3 * * *", "Europe/Berlin")],
    }
    kleindorf = _plan("kleindorf")
    assert set(kleindorf) == {"intake", "oparl-sync", "prepare-agenda", "nightly"}
    assert [s.cron for s in kleindorf["oparl-sync"].schedules] == ["0 2 * * *"]  # type: ignore[attr-defined]
    assert kleindorf["intake"].secrets == {"oparl": "amtsflow-kleindorf-oparl"}  # type: ignore[attr-defined]


def test_overrides_replace_defaults() -> None:
    plan = _plan("seestadt")
    assert plan["intake"].work_queue == "seestadt-gross"  # type: ignore[attr-defined]
    assert plan["intake"].parameters == {"tenant": "seestadt", "source": "poststelle"}  # type: ignore[attr-defined]
    assert [s.cron for s in plan["classify"].schedules] == ["30 0 * * *", "30 4 * * *"]  # type: ignore[attr-defined]
    assert plan["classify"].secrets == {  # type: ignore[attr-defined]
        "mail": "amtsflow-seestadt-mail",
        "dms": "amtsflow-seestadt-dms",
    }


@pytest.mark.parametrize(
    ("expression", "ok"),
    [
        ("*/15 7-17 * * 1-5", True),
        ("0 2 * * mon-fri", True),
        ("0 0 1,15 jan *", True),
        ("61 * * * *", False),
        ("* * * *", False),
        ("*/0 * * * *", False),
        ("5-3 * * * *", False),
        ("0 25 * * *", False),
        ("0 1 * * 8", False),
        ("@daily", False),
    ],
)
def test_cron_expressions(expression: str, ok: bool) -> None:
    assert (cron_problem(expression) is None) is ok


BROKEN = {
    "kaputt.yaml": """\
slug: falsch
name: K
ags: "123"
departments: []
deployment:
  work_pool: "bad pool"
  flows:
    intake:
      parameters: {tenant: x}
      schedules:
        - cron: "61 * * * *"
        - {cron: "0 1 * * *", interval_s: 600}
        - {cron: "0 1 * * *", timezone: Mars/Olympus}
    unbekannt: {}
secrets: {ftp: true}
""",
    "zweite.yaml": """\
slug: zweite
name: Zweite Gemeinde
ags: "09999005"
departments: [{code: "10", name: Hauptamt, form_types: [gewerbeanmeldung]}]
deployment:
  flows: {intake: {enabled: true}, oparl-sync: {enabled: true}, retrain: {enabled: true}}
secrets: {oparl: amtsflow-musterstadt-oparl}
""",
    "dritte.yaml": """\
slug: dritte
name: Dritte Gemeinde
ags: "09999006"
departments: [{code: "10", name: Hauptamt, form_types: [gewerbeanmeldung]}]
intake_sources: [{name: post, path: /nonexistent/amtsflow/inbox}]
deployment:
  flows:
    intake: {parameters: {quelle: x}}
    review-label: {enabled: true}
""",
    "syntax.yaml": "a: [\n",
}


def test_validate_reports_every_error_of_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    shutil.copytree(TENANTS, folder)
    for name in ("kleindorf", "musterstadt", "seestadt"):  # keep their relative paths valid
        path = folder / f"{name}.yaml"
        path.write_text(
            path.read_text(encoding="utf-8").replace("../samples/", f"{PROJECT_ROOT}/samples/"),
            encoding="utf-8",
        )
    for name, text in BROKEN.items():
        (folder / name).write_text(text, encoding="utf-8")

    result = CliRunner().invoke(app, ["tenants", "validate", "--tenants", str(folder), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] == ["kleindorf", "musterstadt", "seestadt"]
    found = {(Path(e["file"]).name, e["field"]) for e in data["errors"]}
    assert found == {
        ("kaputt.yaml", "slug"),
        ("kaputt.yaml", "name"),
        ("kaputt.yaml", "ags"),
        ("kaputt.yaml", "departments"),
        ("kaputt.yaml", "deployment.work_pool"),
        ("kaputt.yaml", "deployment.flows.intake.parameters"),
        ("kaputt.yaml", "deployment.flows.intake.schedules[0].cron"),
        ("kaputt.yaml", "deployment.flows.intake.schedules[1]"),
        ("kaputt.yaml", "deployment.flows.intake.schedules[2].timezone"),
        ("kaputt.yaml", "deployment.flows.unbekannt"),
        ("kaputt.yaml", "secrets.ftp"),
        ("zweite.yaml", "secrets.oparl"),
        ("zweite.yaml", "deployment.flows.intake"),
        ("zweite.yaml", "deployment.flows.oparl-sync"),
        ("zweite.yaml", "deployment.flows.retrain"),
        ("dritte.yaml", "deployment.flows.review-label"),
        ("dritte.yaml", "deployment.flows.intake.parameters.quelle"),
        ("syntax.yaml", "(Datei)"),
    }
    warnings = {(Path(w["file"]).name, w["field"]) for w in data["warnings"]}
    assert ("dritte.yaml", "intake_sources[0].path") in warnings

    human = CliRunner().invoke(app, ["tenants", "validate", "--tenants", str(folder)])
    assert human.exit_code == 1
    assert f"{folder / 'kaputt.yaml'}: deployment.flows.intake.schedules[0].cron" in human.output


def test_two_municipalities_cannot_share_a_drop_folder(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    folder.mkdir()
    inbox = tmp_path / "eingang"
    (inbox / "unterordner").mkdir(parents=True)
    own = tmp_path / "eigener-eingang"
    own.mkdir()
    template = (TENANTS / "kleindorf.yaml").read_text(encoding="utf-8")
    for slug, ags, path in (
        ("altdorf", "09999011", inbox),
        ("neudorf", "09999012", inbox / "unterordner"),  # copied file, folder inside
        ("dritte", "09999013", own),
    ):
        text = template.replace("slug: kleindorf", f"slug: {slug}")
        text = re.sub(r'ags: "\d+"', f'ags: "{ags}"', text)
        text = text.replace("../samples/kleindorf/inbox", str(path))
        (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["tenants", "validate", "--tenants", str(folder), "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    found = {(Path(e["file"]).name, e["field"]) for e in errors}
    assert found == {
        ("altdorf.yaml", "intake_sources[0].path"),
        ("neudorf.yaml", "intake_sources[0].path"),
    }
    assert any("Gemeinde neudorf" in e["message"] for e in errors)


def test_a_tenant_file_twice_as_yaml_and_yml_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "tenants"
    folder.mkdir()
    text = (TENANTS / "kleindorf.yaml").read_text(encoding="utf-8")
    text = text.replace("../samples/", f"{PROJECT_ROOT}/samples/")
    (folder / "kleindorf.yaml").write_text(text, encoding="utf-8")
    (folder / "kleindorf.yml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["tenants", "validate", "--tenants", str(folder), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] == []
    assert {Path(e["file"]).name for e in data["errors"]} == {"kleindorf.yaml", "kleindorf.yml"}
    assert all("doppelt mit" in e["message"] for e in data["errors"])


@pytest.mark.parametrize(
    ("parameters", "field", "said"),
    [
        ("{archiv_days: 30}", ".parameters.archiv_days", "kennt keinen Parameter 'archiv_days'"),
        ("{tenant: musterstadt}", ".parameters", "wird automatisch gesetzt"),
    ],
)
def test_schedule_parameters_are_checked_like_the_flows(
    tmp_path: Path, parameters: str, field: str, said: str
) -> None:
    # a typo, or another municipality, would fail every scheduled run at night
    folder = tmp_path / "tenants"
    folder.mkdir()
    text = (TENANTS / "kleindorf.yaml").read_text(encoding="utf-8")
    text = text.replace("../samples/", f"{PROJECT_ROOT}/samples/")
    text += f"""deployment:
  flows:
    nightly:
      schedules:
        - {{cron: "0 2 * * *"}}
        - {{cron: "0 3 * * *", parameters: {parameters}}}
"""
    (folder / "kleindorf.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["tenants", "validate", "--tenants", str(folder), "--json"])
    assert result.exit_code == 1, result.stdout
    errors = json.loads(result.stdout)["errors"]
    assert [(e["field"], said in e["message"]) for e in errors] == [
        ("deployment.flows.nightly.schedules[1]" + field, True)
    ]
