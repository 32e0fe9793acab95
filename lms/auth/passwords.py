"""Password rules (ASVS 6.2): length, not common, not the person's own name or e-mail.

No composition rules: long passphrases are welcome, "Passw0rd!" is not.
"""
from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
#: Long enough for any passphrase, short enough that hashing it is no denial of service.
MAX_LENGTH = 1024


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Every reason ``password`` is refused; empty when it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append("This password is on a list of commonly used passwords; choose another.")
    personal = {email.lower(), email.lower().split("@")[0], name.lower(), name.lower().replace(" ", "")} - {""}
    if lowered in personal:
        problems.append("Do not use your name or e-mail address as your password.")
    return problems


def hash_password(password: str) -> str:
    """A scrypt hash (Werkzeug's default: ``scrypt:32768:8:1$salt$hash``)."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash or len(password) > MAX_LENGTH:
        return False
    return check_password_hash(password_hash, password)


#: Checked against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
DUMMY_HASH = hash_password("not-a-real-password-only-for-timing")
