"""Shared material for the browser tests: Debian's Chromium driven by Playwright, screenshots
kept on disk, and the axe-core accessibility check.

Registered as a plugin by tests/conftest.py (`pytest_plugins`).

Nothing here downloads a browser: Playwright launches `/usr/bin/chromium`, which
`python3 bootstrap.py test` installs from Debian's packages. axe-core is vendored in
`tests/vendor/axe-core/` (MPL-2.0, with its licence files) and injected into each page.
Screenshots go to `tests/screenshots/<test name>/NN-step.png` (git-ignored, kept after the
run; `AMTSFLOW_SCREENSHOTS` names another folder).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("AMTSFLOW_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("AMTSFLOW_SCREENSHOTS", ROOT / "tests" / "screenshots"))
AXE_JS = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
#: sha256 of the vendored axe.min.js (npm axe-core 4.14.1); a changed file fails loudly.
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
#: WCAG 2.1 level A and AA (BITV 2.0), as axe-core tags its rules.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

#: As root in a sandbox without a network: no sandbox, no GPU, nothing phoning home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(name="browser")
def browser_fixture() -> Iterator[Browser]:
    """A headless Debian Chromium for one test (a launch costs ~0.5 s).

    Not longer: while Playwright's sync API is alive, the main thread counts as running an
    event loop, and every `asyncio.run()` of other tests (Prefect, the deploy command)
    would fail.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} fehlt: `python3 bootstrap.py test` installiert Debians chromium "
            "(als root: apt-get install -y --no-install-recommends chromium)"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(name="context")
def context_fixture(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test (own cookies), German locale, Berlin time."""
    ctx = browser.new_context(
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
    )
    ctx.set_default_timeout(20_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(name="page")
def page_fixture(context: BrowserContext) -> Page:
    """A page in the test's own context."""
    return context.new_page()


class Screenshots:
    """Numbered full-page screenshots of one test, in a folder named after the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []

    def __call__(self, page: Page, step: str) -> Path:
        """Save `NN-step.png` and return its path."""
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", step).strip("-")
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture(name="screenshots")
def screenshots_fixture(request: pytest.FixtureRequest) -> Screenshots:
    """Where this test's screenshots go; the folder is emptied first, and kept afterwards."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = SCREENSHOTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(folder)


def _axe_source() -> str:
    data = AXE_JS.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise RuntimeError(f"{AXE_JS}: sha256 {digest}, expected {AXE_SHA256}")
    return data.decode("utf-8")


def axe_violations(page: Page, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; return the violations of rules with `tags`."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as an inline <script>: the page's own
        # Content-Security-Policy stays in force for everything the test does.
        page.evaluate(_axe_source())
    result: dict[str, Any] = page.evaluate(
        """async (tags) => await window.axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        list(tags),
    )
    if not result.get("passes") and not result.get("violations") and not result.get("incomplete"):
        # axe ran no rule at all: the check would pass vacuously.
        raise RuntimeError(f"axe-core ran no rule on {page.url}")
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]], where: str) -> str:
    """Violations in words a template author can act on: rule, impact, help, elements."""
    lines = [f"{where}: {len(violations)} axe-core violation(s) of WCAG 2.1 A/AA"]
    for v in violations:
        tags = ",".join(t for t in v["tags"] if t.startswith("wcag"))
        lines.append(f"- {v['id']} ({v.get('impact')}; {tags}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    """Fail with every WCAG 2.1 A/AA violation axe-core finds on the page."""
    violations = axe_violations(page)
    assert not violations, describe_violations(violations, where)
