"""User accounts of one municipality: create, list, deactivate.

Used by the operator's command line (`amtsflow users add`) and the tenant admin's page.
Every change is an audit event of the tenant with the acting user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from app.web.passwords import generate_password, hash_password, password_problem
from app.web.ratelimit import clear_account_failures
from connectors.database import tenant_session
from models.accounts import ROLES, User, WebSession
from models.db import Tenant as TenantRow
from models.db import utcnow
from models.tenant import Tenant
from models.tenant_scope import TenantSession
from tasks import audit

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,39}$"


class AccountError(ValueError):
    """An account that cannot be created or changed; the message names the field (German)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def ensure_tenant_row(engine: Engine, tenant: Tenant) -> None:
    """Mirror the tenant file into `tenants` (accounts refer to it)."""
    with tenant_session(engine, tenant.slug) as session:
        row = session.get(TenantRow, tenant.slug)
        if row is None:
            session.add(TenantRow(slug=tenant.slug, name=tenant.name, ags=tenant.ags))
            session.commit()


def check_new_account(username: str, password: str, roles: Iterable[str]) -> list[AccountError]:
    """Every problem of a new account's fields, each with its field name."""
    problems: list[AccountError] = []
    if not re.fullmatch(USERNAME_PATTERN, username):
        problems.append(
            AccountError(
                "username",
                "Der Benutzername besteht aus 2 bis 40 Kleinbuchstaben, Ziffern, Punkt, "
                "Binde- oder Unterstrich und beginnt mit Buchstabe oder Ziffer.",
            )
        )
    if (problem := password_problem(password)) is not None:
        problems.append(AccountError("password", problem))
    role_list = list(roles)
    if not role_list:
        problems.append(AccountError("roles", "Bitte mindestens eine Rolle wählen."))
    unknown = [r for r in role_list if r not in ROLES]
    if unknown:
        problems.append(AccountError("roles", f"Unbekannte Rolle: {', '.join(unknown)}"))
    return problems


def save_user(
    session: TenantSession,
    username: str,
    password: str,
    roles: Iterable[str],
    *,
    actor: str,
    replace: bool = False,
) -> User:
    """Create an account, or (with `replace`) set a new password and roles on an existing one.

    Raises:
        AccountError: a field is invalid, or the name is taken (without `replace`).

    """
    role_list = sorted(set(roles))
    problems = check_new_account(username, password, role_list)
    if problems:
        raise problems[0]
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and not replace:
        raise AccountError("username", f"Den Benutzernamen {username!r} gibt es schon.")
    if user is None:
        user = User(username=username, roles=role_list, created_by=actor, password_hash="")
        session.add(user)
        action = "user_created"
    else:
        user.roles, user.active = role_list, True
        action = "user_password_set"
        _revoke_sessions(session, user.id)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    session.flush()
    audit.record(session, action, actor=actor, user_id=user.id, roles=role_list)
    session.commit()
    return user


def _revoke_sessions(session: TenantSession, user_id: int) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def deactivate_user(session: TenantSession, user_id: int, *, actor: str) -> bool:
    """Lock an account and end its sessions; False when the tenant has no such user."""
    user = session.get(User, user_id)  # another tenant's id is simply not found
    if user is None:
        return False
    user.active = False
    _revoke_sessions(session, user.id)
    audit.record(session, "user_deactivated", actor=actor, user_id=user.id)
    session.commit()
    return True


def reset_password(session: TenantSession, user_id: int, *, actor: str) -> str | None:
    """Give an active account a fresh random password and end its sessions.

    For the person who forgot theirs: the admin hands the new one over on a safe way and
    it is shown once, never stored in clear. None when the tenant has no such active user
    (a locked account stays locked; unlocking is `unlock_user`, a decision of its own).
    """
    user = session.get(User, user_id)  # another tenant's id is simply not found
    if user is None or not user.active:
        return None
    return _fresh_password(session, user, "user_password_reset", actor)


def unlock_user(session: TenantSession, user_id: int, *, actor: str) -> str | None:
    """Unlock a locked account with a fresh random password (shown once).

    Never with the old password: an account is often locked because its password got
    out. None when the tenant has no such user.

    Raises:
        AccountError: when the account is not locked.

    """
    user = session.get(User, user_id)  # another tenant's id is simply not found
    if user is None:
        return None
    if user.active:
        raise AccountError("user", "Das Konto ist nicht gesperrt.")
    user.active = True
    return _fresh_password(session, user, "user_unlocked", actor)


def _fresh_password(session: TenantSession, user: User, action: str, actor: str) -> str:
    """New password, old sessions ended, the login lockout lifted, audited; committed."""
    password = generate_password()
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    _revoke_sessions(session, user.id)
    clear_account_failures(session, session.tenant_id, user.username)
    audit.record(session, action, actor=actor, user_id=user.id)
    session.commit()
    return password


def list_users(session: TenantSession) -> list[dict[str, Any]]:
    """The tenant's accounts (no hashes), by name."""
    users = session.scalars(select(User).order_by(User.username))
    return [
        {
            "id": u.id,
            "username": u.username,
            "roles": list(u.roles),
            "active": u.active,
            "created_by": u.created_by,
            "created_at": u.created_at.isoformat() if u.created_at else None,
        }
        for u in users
    ]
