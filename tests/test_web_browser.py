"""The clerks' web app (issue 5, point 5) in a real headless Chromium, with axe-core.

One journey as the demo municipality's staff lives it: the clerk logs in, starts the
intake, sees it finish, finds a case and downloads its acknowledgement, starts the
classification; the reviewer corrects a suggestion; the tenant admin opens the accounts
page. Every page it passes is checked with axe-core (WCAG 2.1 A and AA); the last test
reports the violations page by page. Real parts only: `prefect server start`, the tenants
deployed by `amtsflow deploy`, a process worker, `amtsflow web`, SQLite.
Screenshots (and the downloaded acknowledgement) stay in tests/screenshots/<test>/.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest_browser import Screenshots, axe_violations, describe_violations
from tests.prefect_server import (
    PREFECT,
    ROOT,
    Deployed,
    deployed_server,
    free_port,
    stop_process,
)

AMTSFLOW = PREFECT.with_name("amtsflow")
TENANT = "musterstadt"
RUN_TIMEOUT_S = 300  # generous: the 2 cores may be shared with other jobs
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: Every page the issue names, as the journey visits it.
PAGES = (
    "Anmeldung",
    "Anmeldung mit Fehler",
    "Prozesse",
    "Startformular",
    "Läufe",
    "Laufdetails",
    "Prüfen",
    "Vorgänge",
    "Quarantäne",
    "Benutzerverwaltung",
    "Barrierefreiheit",
)


@dataclass
class Web:
    """The running web app, its Prefect side, the demo accounts, what axe found per page."""

    url: str
    deployed: Deployed
    passwords: dict[str, str]
    log: Path
    a11y: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def amtsflow(self, *args: str, stdin: str | None = None) -> Any:
        """Run an `amtsflow ... --json` command against the same database; return its JSON."""
        done = subprocess.run(
            [str(AMTSFLOW), *args, "--json"],
            input=stdin,
            env=self.deployed.server.env(**self.deployed.env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"amtsflow {' '.join(args)}: {done.stderr[-2000:]}"
        return json.loads(done.stdout)

    def check(self, page: Page, name: str) -> None:
        """Run axe-core on the page and keep the violations for the per-page test."""
        assert name in PAGES, name
        self.a11y.setdefault(name, []).extend(axe_violations(page))


USERS = {"sachbearbeitung": ["clerk"], "pruefung": ["reviewer"], "verwaltung": ["admin"]}


@pytest.fixture(name="web", scope="module")
def web_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """Prefect server + deployed tenants + worker, migrated database, accounts, `amtsflow web`."""
    home = tmp_path_factory.mktemp("web-home")
    with deployed_server(home) as deployed:
        env = deployed.server.env(**deployed.env)
        web = Web(url="", deployed=deployed, passwords={}, log=home / "web.log")
        web.amtsflow("db", "upgrade")
        for username, roles in USERS.items():
            password = secrets.token_urlsafe(18)
            role_args = [arg for role in roles for arg in ("--role", role)]
            web.amtsflow(
                *("users", "add", "--tenant", TENANT, "--username", username),
                *role_args,
                "--password-stdin",
                stdin=password + "\n",
            )
            web.passwords[username] = password
        port = free_port()
        web.url = f"http://127.0.0.1:{port}"
        with web.log.open("wb") as out:
            proc = subprocess.Popen(
                [str(AMTSFLOW), "web", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_healthy(web, proc)
            yield web
        finally:
            stop_process(proc)


def _wait_healthy(web: Web, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{web.url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    log = web.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"amtsflow web did not come up (exit {proc.poll()}):\n{log}")


def _login(page: Page, web: Web, username: str, shots: Screenshots | None = None) -> None:
    page.goto(f"{web.url}/anmelden")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    if shots is not None:
        web.check(page, "Anmeldung")
        shots(page, "anmeldung")
        # A wrong password first: the error must be announced and accessible too.
        page.locator("#tenant").select_option(TENANT)
        page.locator("#username").fill(username)
        page.locator("#password").fill("falsches-Passwort-123")
        page.get_by_role("button", name="Anmelden").click()
        expect(page.locator(".error-summary[role=alert]")).to_be_visible()
        web.check(page, "Anmeldung mit Fehler")
        shots(page, "anmeldung-fehler")
    page.locator("#tenant").select_option(TENANT)
    page.locator("#username").fill(username)
    page.locator("#password").fill(web.passwords[username])
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(f"{web.url}/prozesse")


def _logout(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/anmelden"))


def _start(page: Page, web: Web, flow: str, shots: Screenshots, check: bool) -> str:
    """From Prozesse, start the tenant's deployment of `flow`; return the new run's id."""
    deployment = web.deployed.deployment_of(TENANT, flow)
    page.goto(f"{web.url}/prozesse")
    start = page.locator(f'a[href="/prozesse/{deployment["id"]}/starten"]')
    expect(start).to_have_count(1)
    start.click()
    expect(page).to_have_url(f"{web.url}/prozesse/{deployment['id']}/starten")
    expect(page.locator("#param-tenant, [name=tenant]").first).to_be_visible()
    if check:
        web.check(page, "Startformular")
    shots(page, f"start-{flow}")
    page.get_by_role("button", name="Lauf starten").click()
    # The web app waits out a busy Prefect server (repeats within 30 s): so does the clerk.
    expect(page).to_have_url(re.compile(rf"/laeufe/{UUID}$"), timeout=60_000)
    return page.url.rsplit("/", 1)[1]


def _see_finish(page: Page, web: Web, run_id: str, shots: Screenshots, name: str) -> None:
    state = web.deployed.wait_for_run(run_id, timeout=RUN_TIMEOUT_S)
    page.reload()
    expect(page.get_by_text("abgeschlossen").first).to_be_visible(timeout=15_000)
    shots(page, f"{name}-abgeschlossen")
    assert state == "COMPLETED", f"{name} run {run_id} ended {state}"


@pytest.mark.timeout(900)
def test_clerk_and_reviewer_journey(web: Web, page: Page, screenshots: Screenshots) -> None:
    # The clerk logs in and sees only Musterstadt's processes.
    _login(page, web, "sachbearbeitung", screenshots)
    web.check(page, "Prozesse")
    screenshots(page, "prozesse")
    cards = page.locator("article.card")
    expect(cards.first).to_be_visible()
    html = page.content()
    for slug in web.deployed.report["tenants"]:
        if slug != TENANT:
            for foreign in web.deployed.tenant_deployments(slug):
                assert foreign["id"] not in html, f"Prozesse shows {slug}'s deployment"

    # Start the intake; the run page follows it until it is finished.
    run_id = _start(page, web, "intake", screenshots, check=True)
    _see_finish(page, web, run_id, screenshots, "intake")
    web.check(page, "Laufdetails")

    # The run is listed under Läufe.
    page.goto(f"{web.url}/laeufe")
    expect(page.locator(f'a[href="/laeufe/{run_id}"]').first).to_be_visible()
    web.check(page, "Läufe")
    screenshots(page, "laeufe")

    # Vorgänge: find a case by its file number and download its acknowledgement.
    cases = web.amtsflow("cases", "list", "--tenant", TENANT)
    assert cases, "the intake created no case"
    file_number = cases[0]["file_number"]
    page.goto(f"{web.url}/vorgaenge")
    web.check(page, "Vorgänge")
    screenshots(page, "vorgaenge")
    page.locator("#aktenzeichen").fill(file_number)
    page.get_by_role("button", name="Suchen").click()
    expect(page.get_by_text(file_number).first).to_be_visible()
    screenshots(page, "vorgaenge-suche")
    link = page.locator('a[href$="/bestaetigung"]')
    expect(link).to_have_count(1)
    with page.expect_download() as info:
        link.click()
    saved = screenshots.folder / (info.value.suggested_filename or "bestaetigung.docx")
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert file_number in body, "the acknowledgement does not name the case's file number"

    # Quarantäne: what became no case, each with the reason the clerk acts on.
    quarantined = web.amtsflow("quarantine", "list", "--tenant", TENANT)
    assert quarantined, "the intake quarantined nothing"
    page.get_by_role("link", name="Quarantäne").click()
    expect(page.get_by_text(f"{len(quarantined)} Dokumente in Quarantäne")).to_be_visible()
    expect(page.get_by_text(quarantined[0]["reason"][:40]).first).to_be_visible()
    web.check(page, "Quarantäne")
    screenshots(page, "quarantaene")

    # The classification leaves uncertain documents for review.
    classify_id = _start(page, web, "classify", screenshots, check=False)
    _see_finish(page, web, classify_id, screenshots, "classify")
    open_items = web.amtsflow("review", "list", "--tenant", TENANT, "--status", "open")
    assert open_items, "the classification left nothing to review"
    _logout(page)

    # The reviewer corrects a suggestion with one click.
    _login(page, web, "pruefung")
    page.goto(f"{web.url}/pruefen")
    web.check(page, "Prüfen")
    screenshots(page, "pruefen")
    item = open_items[0]
    other: str = next(label for label in item["options"] if label != item["suggestion"])
    form = page.locator("form").filter(has=page.locator(f"#korrektur-{item['id']}"))
    form.locator(f"#korrektur-{item['id']}").select_option(other)
    form.get_by_role("button", name="Korrigieren").click()
    expect(page.get_by_text("korrigiert").first).to_be_visible()
    screenshots(page, "pruefen-korrigiert")
    decided = web.amtsflow("review", "list", "--tenant", TENANT, "--status", "decided")
    mine = [d for d in decided if d["id"] == item["id"]]
    assert mine and mine[0]["decision"] == other != item["suggestion"], mine
    assert "pruefung" in (mine[0]["decided_by"] or ""), mine
    expect(page.locator(f"#korrektur-{item['id']}")).to_have_count(0)
    _logout(page)

    # The tenant admin's page.
    _login(page, web, "verwaltung")
    page.goto(f"{web.url}/benutzer")
    for username in USERS:
        expect(page.get_by_text(username, exact=True).first).to_be_visible()
    web.check(page, "Benutzerverwaltung")
    screenshots(page, "benutzer")
    page.get_by_role("link", name="Erklärung zur Barrierefreiheit").click()
    expect(page).to_have_url(f"{web.url}/barrierefreiheit")
    web.check(page, "Barrierefreiheit")
    screenshots(page, "barrierefreiheit")


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag21_aa_violation(web: Web, name: str) -> None:
    assert name in web.a11y, f"the journey did not reach {name} (see the test above)"
    assert not web.a11y[name], describe_violations(web.a11y[name], name)
