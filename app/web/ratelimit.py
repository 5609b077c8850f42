"""Login rate limit: failures per account and per client address within a time window.

The counters live in the database (`login_attempts`), so they hold across worker processes
and restarts. Keys are SHA-256 hashes: the table holds no username or IP address in clear.
The check happens before the password hash is computed, so a flood costs no Argon2 time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
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


def record_attempt(
    session: Session, keys: AttemptKeys, *, success: bool, settings: WebSettings
) -> None:
    """Count an attempt; a success clears the account's failures; old rows are dropped."""
    now = utcnow()
    old = now - timedelta(minutes=settings.login_window_minutes * 4)
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.key_hash.in_([keys.account, keys.address]), LoginAttempt.at < old
        )
    )
    if success:
        session.execute(delete(LoginAttempt).where(LoginAttempt.key_hash == keys.account))
    session.add(LoginAttempt(key_hash=keys.account, at=now, success=success))
    session.add(LoginAttempt(key_hash=keys.address, at=now, success=success))
    session.commit()


def clear_account_failures(session: Session, tenant: str, username: str) -> None:
    """Forget an account's failed logins (its admin just gave it a new password)."""
    key = attempt_keys(tenant, username, "").account
    session.execute(delete(LoginAttempt).where(LoginAttempt.key_hash == key))
