"""Guesses sent at once get no more tries than the login limit allows.

The limit was checked before the password and counted after it: every guess of a burst
passed the check while the others were still in Argon2 (~40 of 40 with a limit of 5).
Now each attempt is counted before its password is checked.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.web.accounts import save_user
from app.web.auth import LoginOutcome, login
from app.web.settings import WebSettings
from connectors.database import tenant_session
from models.db import Tenant

PASSWORD = "richtig-richtig-123"
BURST = 16


def _account(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Tenant(slug="musterstadt", name="Musterstadt", ags="09999001"))
        session.commit()
    with tenant_session(engine, "musterstadt") as session:
        save_user(session, "carl", PASSWORD, ["clerk"], actor="test")


def _burst(engine: Engine, settings: WebSettings, addresses: list[str]) -> list[LoginOutcome]:
    start = threading.Barrier(len(addresses))

    def guess(address: str) -> LoginOutcome:
        start.wait()
        outcome, _ = login(
            engine,
            settings,
            tenant="musterstadt",
            username="carl",
            password=f"geraten-{address}",
            address=address,
        )
        return outcome

    with ThreadPoolExecutor(len(addresses)) as pool:
        return list(pool.map(guess, addresses))


def test_a_burst_of_guesses_at_one_account_gets_only_the_limit(engine: Engine) -> None:
    _account(engine)
    settings = WebSettings(max_failures_account=5, max_failures_ip=1000)
    outcomes = _burst(engine, settings, [f"10.0.0.{i}" for i in range(BURST)])
    assert outcomes.count(LoginOutcome.WRONG) <= 5  # at most the limit got through
    assert outcomes.count(LoginOutcome.BLOCKED) == BURST - outcomes.count(LoginOutcome.WRONG)
    right, _ = login(
        engine,
        settings,
        tenant="musterstadt",
        username="carl",
        password=PASSWORD,
        address="10.0.1.1",
    )
    assert right is LoginOutcome.BLOCKED  # the account is locked for the window


def test_a_burst_from_one_address_gets_only_its_limit(engine: Engine) -> None:
    _account(engine)
    settings = WebSettings(max_failures_account=1000, max_failures_ip=3)
    outcomes = _burst(engine, settings, ["10.0.0.9"] * BURST)
    assert outcomes.count(LoginOutcome.WRONG) <= 3
    assert outcomes.count(LoginOutcome.BLOCKED) == BURST - outcomes.count(LoginOutcome.WRONG)
