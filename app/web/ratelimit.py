"""Login rate limit: failures per account and per client address within a time window.

The counters live in the database (`login_attempts`), so they hold across worker processes
and restarts. Keys are SHA-256 hashes: the table holds no username or IP address in clear.
The check happens before the password hash is computed, so a flood costs no Argon2 time.

An attempt is counted as failed *before* its password is checked (`reserve_attempt`) and
turned into a success afterwards: checking first and counting after the ~0.1 s of Argon2
let forty guesses sent at once all pass a limit of five.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.web.settings import WebSettings
from models.accounts import LoginAttempt
from models.db import utcnow


@dataclass(frozen=True)
class AttemptKeys:
    """The two counters one attempt counts against."""

    account: str
    address: str


def attempt_keys(tenant: str, username: str, address: str) -> AttemptKeys:
    """Hashed keys for the account (tenant + lower-cased name) and the client address."""

    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    return AttemptKeys(
        account=digest(f"account:{tenant}:{username.strip().lower()}"),
        address=digest(f"address:{address}"),
    )


def _failures(session: Session, key: str, since: datetime) -> int:
    stmt = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.key_hash == key,
        LoginAttempt.at >= since,
        LoginAttempt.success.is_(False),
    )
    return int(session.scalar(stmt) or 0)


def is_blocked(session: Session, keys: AttemptKeys, settings: WebSettings) -> bool:
    """True when the account or the address has used up its failures in the window."""
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    return (
        _failures(session, keys.account, since) >= settings.max_failures_account
        or _failures(session, keys.address, since) >= settings.max_failures_ip
    )


def reserve_attempt(session: Session, keys: AttemptKeys, settings: WebSettings) -> list[int] | None:
    """Count this attempt as failed now; None when that puts it over the limit.

    The rows are committed before the count, so of attempts racing each other at most
    as many as the limit allows see themselves within it (each counts every earlier
    one; in a burst, later ones too). One over the limit stays counted: a burst locks
    the account for the window like the same guesses one after another.
    """
    now = utcnow()
    rows = [
        LoginAttempt(key_hash=keys.account, at=now, success=False),
        LoginAttempt(key_hash=keys.address, at=now, success=False),
    ]
    session.add_all(rows)
    session.commit()
    since = now - timedelta(minutes=settings.login_window_minutes)
    if (
        _failures(session, keys.account, since) > settings.max_failures_account
        or _failures(session, keys.address, since) > settings.max_failures_ip
    ):
        return None
    return [r.id for r in rows]


def settle_attempt(
    session: Session,
    keys: AttemptKeys,
    reserved: list[int],
    *,
    success: bool,
    settings: WebSettings,
) -> None:
    """Finish a reserved attempt: a success clears the account's earlier failures.

    Rows older than four windows go. Failures reserved after this attempt's own rows
    (guesses racing a clerk's login) stay counted.
    """
    old = utcnow() - timedelta(minutes=settings.login_window_minutes * 4)
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.key_hash.in_([keys.account, keys.address]), LoginAttempt.at < old
        )
    )
    if success:
        session.execute(
            update(LoginAttempt).where(LoginAttempt.id.in_(reserved)).values(success=True)
        )
        session.execute(  # earlier failures only: guesses racing this login still count
            delete(LoginAttempt).where(
                LoginAttempt.key_hash == keys.account,
                LoginAttempt.success.is_(False),
                LoginAttempt.id < min(reserved),
            )
        )
    session.commit()


def clear_account_failures(session: Session, tenant: str, username: str) -> None:
    """Forget an account's failed logins (its admin just gave it a new password)."""
    key = attempt_keys(tenant, username, "").account
    session.execute(delete(LoginAttempt).where(LoginAttempt.key_hash == key))
