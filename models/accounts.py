"""Accounts of the clerks' web application: users, their sessions, login attempts.

Users and sessions belong to a tenant (`TenantScoped`), so a tenant session can neither
see nor use another municipality's accounts: the session cookie names the tenant, and the
token is looked up through that tenant's session only. Login attempts are counted before
the tenant's account is known (per account key and per IP), so they are not tenant rows;
they hold hashes of the keys, never a username or address in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, Id, TenantScoped, utcnow

#: The roles a user can hold; a user may hold several.
ROLE_CLERK = "clerk"  # start processes, see runs and cases
ROLE_REVIEWER = "reviewer"  # decide review items and agenda approvals
ROLE_ADMIN = "admin"  # manage the tenant's users (and may do everything above)
ROLES: dict[str, str] = {
    ROLE_CLERK: "Sachbearbeitung",
    ROLE_REVIEWER: "Prüfung und Freigabe",
    ROLE_ADMIN: "Verwaltung der Benutzerkonten",
}


class User(TenantScoped):
    """A person who logs in to the clerks' pages of one municipality."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "username", name="uq_users_tenant_username"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSession(TenantScoped):
    """A login: the cookie carries the token, the table only its SHA-256 (revocable)."""

    __tablename__ = "web_sessions"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_web_sessions_token_hash"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """One login attempt, counted per key (hash of account or of IP address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    success: Mapped[bool] = mapped_column(default=False)
