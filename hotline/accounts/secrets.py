"""Secrets stored only as a memory-hard hash (scrypt, from the standard library).

A stored hash names its own parameters (``scrypt$15$8$1$salt$hash``), so a desk
that raises its cost (config key ``secret_cost``) still checks the secrets
hashed before; each is re-hashed at the new cost at its next sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random

from hotline.errors import InputError
from hotline.i18n import _

R = 8
P = 1
SALT_BYTES = 16
KEY_BYTES = 32
#: A secret may be at most this long (longer ones would only cost the desk time).
MAX_SECRET = 200
#: The least a person's secret may have (a PIN of six digits, or a pass phrase).
MIN_SECRET = 6


def check_secret(secret: str) -> str:
    """The secret as it is hashed; refused with a specific message if unacceptable."""
    if "\x00" in secret:
        raise InputError(_("A secret may not contain a NUL character."))
    try:
        secret.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(_("A secret must be text that can be written as UTF-8.")) from exc
    if len(secret) < MIN_SECRET:
        raise InputError(_("A secret needs at least {n} characters.").format(n=MIN_SECRET))
    if len(secret) > MAX_SECRET:
        raise InputError(_("A secret may have at most {n} characters.").format(n=MAX_SECRET))
    return secret


def _derive(secret: str, salt: bytes, cost: int, r: int, p: int) -> bytes:
    n = 1 << cost
    return hashlib.scrypt(secret.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r + (1 << 20), dklen=KEY_BYTES)


def hash_secret(secret: str, cost: int) -> str:
    """The stored form of ``secret`` (scrypt with N = 2**cost, r = 8, p = 1)."""
    salt = random.token_bytes(SALT_BYTES)
    key = _derive(secret, salt, cost, R, P)
    return "$".join(["scrypt", str(cost), str(R), str(P), _b64(salt), _b64(key)])


def verify_secret(secret: str, stored: str | None, cost: int) -> bool:
    """Whether ``secret`` is the one ``stored`` was made from (constant time).

    With nothing stored the work is done all the same, against a throw-away salt,
    so that an unknown login takes as long to refuse as a wrong secret.
    """
    parsed = _parse(stored) if stored else None
    if parsed is None:
        _derive(secret[:MAX_SECRET], b"\x00" * SALT_BYTES, cost, R, P)
        return False
    stored_cost, r, p, salt, key = parsed
    return hmac.compare_digest(_derive(secret[:MAX_SECRET], salt, stored_cost, r, p), key)


def needs_rehash(stored: str, cost: int) -> bool:
    parsed = _parse(stored)
    return parsed is None or parsed[0] != cost or parsed[1:3] != (R, P)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        cost, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = base64.b64decode(parts[4]), base64.b64decode(parts[5])
    except ValueError:
        return None
    if not (1 <= cost <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        return None
    return cost, r, p, salt, key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
