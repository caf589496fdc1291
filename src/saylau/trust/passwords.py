"""Account passwords: scrypt (standard library) with a per-password salt.

A stored hash is ``scrypt$<n>$<r>$<p>$<salt hex>$<key hex>``: the parameters travel
with the hash, so they can be raised later without invalidating old passwords
(``needs_rehash`` tells when a sign-in should store a fresh hash).  The clear
password is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from saylau.errors import InputError

#: scrypt cost: n=2**14, r=8 is the interactive-login setting (16 MiB, ~50 ms).
N, R, P = 2**14, 8, 1
KEY_BYTES = 32
MIN_LENGTH = 10
MAX_LENGTH = 200


def check_strength(password: str) -> None:
    """Raise InputError unless ``password`` is long enough to resist guessing."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InputError(f"a password has at most {MAX_LENGTH} characters")
    if not password.isprintable():
        raise InputError("a password cannot hold control characters")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=KEY_BYTES
    )


def hash_password(password: str) -> str:
    """The storable hash of ``password`` (checked for strength first)."""
    check_strength(password)
    salt = secrets.token_bytes(16)
    return f"scrypt${N}${R}${P}${salt.hex()}${_derive(password, salt, N, R, P).hex()}"


#: Verified against when the account has no password, so a missing account costs
#: the same time as a wrong password (timing does not reveal which names exist).
DUMMY_HASH = f"scrypt${N}${R}${P}${'00' * 16}${'00' * KEY_BYTES}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored`` (False for None or a malformed hash)."""
    parts = (stored or DUMMY_HASH).split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or len(password) > MAX_LENGTH:
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return False
    ok = hmac.compare_digest(_derive(password, salt, n, r, p), key)
    return ok and stored is not None


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with other parameters than the current ones."""
    return not stored.startswith(f"scrypt${N}${R}${P}$")
