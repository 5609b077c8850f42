"""Guesses sent at once get no more tries than the login limit allows.

The limit was checked before the password and counted after it: every guess of a burst
passed the check while the others were still in Argon2 (~40 of 40 with a limit of 5).
Now each attempt is counted before its password is checked.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.web.accounts import save_user
from app.web.auth import LoginOutcome, login
from app.web.ratelimit import attempt_keys, reserve_attempt, settle_attempt
from app.web.settings import WebSettings
from connectors.database import tenant_session
from models.accounts import LoginAttempt
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


def test_a_login_does_not_forgive_guesses_racing_it(engine: Engine) -> None:
    """A clerk's login succeeding while two guesses are still being checked."""
    settings = WebSettings(max_failures_account=5, max_failures_ip=1000)
    keys = [attempt_keys("musterstadt", "carl", f"10.0.4.{i}") for i in range(4)]
    with Session(engine) as session:
        session.add(Tenant(slug="musterstadt", name="Musterstadt", ags="09999001"))
        session.commit()
        earlier = reserve_attempt(session, keys[0], settings)  # a guess before the login
        assert earlier is not None
        settle_attempt(session, keys[0], earlier, success=False, settings=settings)
        login_rows = reserve_attempt(session, keys[1], settings)
        racing = [reserve_attempt(session, k, settings) for k in keys[2:]]
        assert login_rows is not None and None not in racing
        settle_attempt(session, keys[1], login_rows, success=True, settings=settings)
        for key, rows in zip(keys[2:], racing, strict=True):
            assert rows is not None
            settle_attempt(session, key, rows, success=False, settings=settings)
        failures = session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key_hash == keys[0].account, LoginAttempt.success.is_(False))
        )
    assert failures == 2  # the guess before the login is forgiven, the racing two are not
