"""Password hashing with Argon2id (memory-hard), and the rules a new password must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256

# Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): memory-hard, yet a
# login costs ~0.1 s of one core, so a burst of logins cannot starve a two-core server.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY = _HASHER.hash("amtsflow-dummy-password-for-timing")


def hash_password(password: str) -> str:
    """The Argon2id hash (with its own salt and parameters) to store."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches; with no stored hash it still spends the same time.

    Spending the time for unknown accounts keeps the login from telling which names exist.
    """
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (German), or None."""
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    if len(password) > MAX_LENGTH:
        return f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein."
    if password.strip() != password:
        return "Das Passwort darf nicht mit Leerzeichen beginnen oder enden."
    return None


def generate_password() -> str:
    """A random password for demo and first accounts (about 95 bits, readable)."""
    words = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    return f"{words[:6]}-{words[6:11]}-{words[11:16]}"
