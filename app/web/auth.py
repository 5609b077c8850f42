"""Login, session lookup and logout.

The cookie value is `<tenant>.<token>`. The token is 256 random bits; the table stores its
SHA-256 only, so a leaked database does not log anyone in. The lookup goes through the
named tenant's session, so a token is only ever valid together with its own municipality:
changing the prefix finds nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.web.passwords import hash_password, needs_rehash, verify_password
from app.web.ratelimit import attempt_keys, is_blocked, reserve_attempt, settle_attempt
from app.web.settings import WebSettings
from connectors.database import tenant_session
from models.accounts import ROLE_ADMIN, User, WebSession
from models.db import Tenant as TenantRow
from models.db import utcnow
from models.tenant import SLUG_PATTERN
from tasks import audit

TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most once a minute


class LoginOutcome(StrEnum):
    """How a login attempt ended."""

    OK = "ok"
    WRONG = "wrong"  # unknown tenant, unknown user, locked account or wrong password
    BLOCKED = "blocked"  # too many failures: rate limit


@dataclass(frozen=True)
class Identity:
    """The logged-in user of one request."""

    tenant: str
    tenant_name: str
    user_id: int
    username: str
    roles: frozenset[str]
    csrf_token: str
    session_id: int

    def can(self, role: str) -> bool:
        """Whether the user holds the role (a tenant admin holds every role)."""
        return role in self.roles or ROLE_ADMIN in self.roles

    @property
    def actor(self) -> str:
        """How audit events name this user."""
        return f"user:{self.username}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def tenant_choices(engine: Engine) -> list[tuple[str, str]]:
    """(slug, name) of the municipalities known to this installation, for the login form."""
    with Session(engine) as session:
        rows = session.execute(select(TenantRow.slug, TenantRow.name).order_by(TenantRow.name))
        return [(slug, name) for slug, name in rows]


def login(
    engine: Engine,
    settings: WebSettings,
    *,
    tenant: str,
    username: str,
    password: str,
    address: str,
) -> tuple[LoginOutcome, str | None]:
    """Check the credentials; on success open a session and return its cookie value."""
    keys = attempt_keys(tenant, username, address)
    with Session(engine) as plain:
        if is_blocked(plain, keys, settings):  # a flood stops here, without a write
            return LoginOutcome.BLOCKED, None
        reserved = reserve_attempt(plain, keys, settings)
        if reserved is None:
            return LoginOutcome.BLOCKED, None
        known_tenant = re.fullmatch(SLUG_PATTERN, tenant) is not None and (
            plain.get(TenantRow, tenant) is not None
        )
    user: User | None = None
    if known_tenant:
        with tenant_session(engine, tenant) as session:
            user = session.scalar(select(User).where(User.username == username.strip()))
    usable = user is not None and user.active
    ok = verify_password(user.password_hash if usable and user else None, password)
    with Session(engine) as plain:
        settle_attempt(plain, keys, reserved, success=ok, settings=settings)
    if not ok or user is None:
        if known_tenant:
            with tenant_session(engine, tenant) as session:
                actor = f"user:{user.username}" if user is not None else "anonym"
                audit.record(session, "web_login_failed", actor=actor)
                session.commit()
        return LoginOutcome.WRONG, None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with tenant_session(engine, tenant) as session:
        fresh = session.get_one(User, user.id)
        if needs_rehash(fresh.password_hash):
            fresh.password_hash = hash_password(password)
        session.add(
            WebSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=settings.session_hours),
            )
        )
        audit.record(session, "web_login", actor=f"user:{user.username}")
        session.commit()
    return LoginOutcome.OK, f"{tenant}.{token}"


def identify(engine: Engine, settings: WebSettings, cookie: str | None) -> Identity | None:
    """The user of a session cookie, or None (unknown, expired, idle, revoked, locked)."""
    if not cookie or "." not in cookie:
        return None
    tenant, token = cookie.split(".", 1)
    if not re.fullmatch(SLUG_PATTERN, tenant) or not 20 <= len(token) <= 100:
        return None
    now = utcnow()
    with tenant_session(engine, tenant) as session:
        row = session.execute(
            select(WebSession, User, TenantRow.name)
            .join(User, User.id == WebSession.user_id)
            .join(TenantRow, TenantRow.slug == WebSession.tenant_id)
            .where(WebSession.token_hash == _token_hash(token), WebSession.revoked_at.is_(None))
        ).first()
        if row is None:
            return None
        web_session, user, tenant_name = row
        idle_limit = _aware(web_session.last_seen_at) + timedelta(minutes=settings.idle_minutes)
        if not user.active or _aware(web_session.expires_at) <= now or idle_limit <= now:
            return None
        if now - _aware(web_session.last_seen_at) >= TOUCH_EVERY:
            web_session.last_seen_at = now
            session.commit()
        return Identity(
            tenant=tenant,
            tenant_name=tenant_name,
            user_id=user.id,
            username=user.username,
            roles=frozenset(user.roles),
            csrf_token=web_session.csrf_token,
            session_id=web_session.id,
        )


def logout(engine: Engine, identity: Identity) -> None:
    """Revoke the session server-side (the cookie becomes worthless)."""
    with tenant_session(engine, identity.tenant) as session:
        web_session = session.get(WebSession, identity.session_id)
        if web_session is not None and web_session.revoked_at is None:
            web_session.revoked_at = utcnow()
            audit.record(session, "web_logout", actor=identity.actor)
            session.commit()
