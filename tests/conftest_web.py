"""Fixtures for the web application's tests: two municipalities, accounts, deployments.

The application runs in-process (Starlette's TestClient, real HTTP semantics: cookies,
redirects, status codes) against a real migrated database and the session's real Prefect
test server. Deployments are created through Prefect's REST API with the flows' real
parameter schemas and the `tenant:<slug>` tag, as `amtsflow deploy` does.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from app.web.accounts import save_user
from app.web.server import create_app
from app.web.settings import WebSettings
from connectors.database import tenant_session
from connectors.storage import TenantStorage
from models.db import Case, Classification, Document, ReviewItem, Tenant

TENANTS = {"musterstadt": "Stadt Musterstadt", "nebenan": "Gemeinde Nebenan"}
PASSWORD = "Gutes-Passwort-2026"  # test accounts only
#: username -> (tenant, roles)
ACCOUNTS: dict[str, tuple[str, list[str]]] = {
    "anna": ("musterstadt", ["clerk", "reviewer"]),
    "carl": ("musterstadt", ["clerk"]),
    "paula": ("musterstadt", ["reviewer"]),
    "verwaltung": ("musterstadt", ["admin"]),
    "bernd": ("nebenan", ["clerk", "reviewer"]),
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebWorld:
    """The app, its database and the deployments per tenant and flow."""

    app: Any
    engine: Engine
    api_url: str
    home: Path
    deployments: dict[tuple[str, str], str] = field(default_factory=dict)

    def client(self) -> TestClient:
        """A fresh browser (own cookie jar), not following redirects."""
        return TestClient(self.app, follow_redirects=False)

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        """A browser logged in as `username`."""
        client = self.client()
        response = login(client, ACCOUNTS[username][0], username, password)
        assert response.status_code == 303, response.text[-2000:]
        return client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "page without CSRF token"
    return match.group(1)


def login(client: TestClient, tenant: str, username: str, password: str) -> httpx2.Response:
    """Fill in and send the login form."""
    page = client.get("/anmelden")
    assert page.status_code == 200
    response: httpx2.Response = client.post(
        "/anmelden",
        data={
            "csrf_token": csrf_of(page.text),
            "tenant": tenant,
            "username": username,
            "password": password,
        },
    )
    return response


def api_post(url: str, *, json: Any = None) -> httpx.Response:
    """`httpx.post` that retries a 503 or 429 with backoff, as Prefect's own client does.

    The session's test server keeps its data in SQLite, which answers 503 while it is
    busy (see the Prefect notes); a test must not fail on that.
    """
    for delay in (0.5, 1, 2, 4, 8, 0):
        response = httpx.post(url, json=json, timeout=30)
        if response.status_code not in (429, 503) or not delay:
            return response
        time.sleep(delay)
    return response


def create_deployment(api_url: str, flow_name: str, tenant: str) -> str:
    """A deployment of a catalogue flow for one tenant, like `amtsflow deploy` makes it."""
    from flows.catalogue import load_specs

    spec = load_specs([flow_name])[flow_name]
    flow = api_post(f"{api_url}/flows/", json={"name": flow_name})
    flow.raise_for_status()
    flow_id = flow.json()["id"]
    response = api_post(
        f"{api_url}/deployments/",
        json={
            "name": f"{tenant}-{uuid.uuid4().hex[:8]}",
            "flow_id": flow_id,
            "tags": [f"tenant:{tenant}", "managed-by:amtsflow", flow_name],
            "parameters": {"tenant": tenant},
            "parameter_openapi_schema": spec.parameter_schema,
            "entrypoint": spec.entrypoint,
            "description": f"{flow_name} – {TENANTS[tenant]}",
            "enforce_parameter_schema": True,
        },
    )
    response.raise_for_status()
    deployment_id: str = response.json()["id"]
    return deployment_id


def review_letter(tenant: str) -> bytes:
    """The stored document of `seed_tenant`'s review item."""
    return f"Brief an {TENANTS[tenant]}".encode()


def seed_tenant(world: WebWorld, tenant: str, n: int = 3) -> dict[str, list[int]]:
    """Cases with acknowledgements and one open review item per tenant."""
    out = world.home / "tenants" / tenant / "outputs" / "eingangsbestaetigungen"
    out.mkdir(parents=True, exist_ok=True)
    ids: dict[str, list[int]] = {"cases": [], "reviews": []}
    with tenant_session(world.engine, tenant) as s:
        for i in range(n):
            doc = Document(sha256=f"{tenant[:2]}{i:062d}", size=10, source_name=f"antrag-{i}.pdf")
            s.add(doc)
            s.flush()
            ack = out / f"{tenant}-{i}.docx"
            ack.write_bytes(f"DOCX {tenant} {i}".encode())
            case = Case(
                file_number=f"{tenant.upper()}-2026-{i:05d}",
                form_type="gewerbeanmeldung" if i % 2 else "hundesteuer_anmeldung",
                department_code="32.10",
                document_id=doc.id,
                data={},
                acknowledgement=str(ack.relative_to(world.home / "tenants" / tenant)),
                created_at=datetime.now(UTC) - timedelta(days=i),
            )
            s.add(case)
            s.flush()
            ids["cases"].append(case.id)
        letter = review_letter(tenant)
        stored = TenantStorage(world.home, tenant).store_bytes(letter)
        doc = Document(sha256=stored.sha256, size=len(letter), source_name="brief.txt", kind="json")
        s.add(doc)
        s.flush()
        s.add(
            Classification(
                document_id=doc.id,
                status="review",
                suggestion="Rechnung",
                confidence=0.4,
                backend="trained",
                reasons=["wenig Text"],
            )
        )
        item = ReviewItem(
            kind="classification",
            subject_id=doc.id,
            suggestion="Rechnung",
            confidence=0.4,
            reasons=["wenig Text"],
            options=["Rechnung", "Antrag", "Sonstiges"],
        )
        s.add(item)
        s.commit()
        ids["reviews"].append(item.id)
    return ids


@pytest.fixture(name="web_world")
def web_world_fixture(prefect_api: str, amtsflow_env: Path, engine: Engine) -> Iterator[WebWorld]:
    """Two municipalities with accounts and deployments, and the app on the test database."""
    with Session(engine) as session:
        for slug, name in TENANTS.items():
            session.add(Tenant(slug=slug, name=name, ags="09999001"))
        session.commit()
    for username, (tenant, roles) in ACCOUNTS.items():
        with tenant_session(engine, tenant) as session:
            save_user(session, username, PASSWORD, roles, actor="test")
    settings = WebSettings(deployments_cache_s=0)
    world = WebWorld(
        app=create_app(engine, prefect_api, amtsflow_env, settings),
        engine=engine,
        api_url=prefect_api,
        home=amtsflow_env,
    )
    for tenant in TENANTS:
        for flow_name in ("intake", "review-label"):
            world.deployments[(tenant, flow_name)] = create_deployment(
                prefect_api, flow_name, tenant
            )
    yield world
    world.app.state.web.gateway.close()
