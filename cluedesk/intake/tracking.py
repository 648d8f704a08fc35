"""Tracking codes: 80 random bits written as 16 Crockford base32 characters, 4-4-4-4.

Only ``code_hash(code)`` (HMAC-SHA256 under a key derived from the server secret) is stored,
so a database dump does not let anyone open a reporter's status page. Reading is forgiving:
case, spaces and dashes do not matter, and I/L read as 1, O as 0 (Crockford's rule).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_VALID = frozenset(ALPHABET)
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = str.maketrans("", "", " -_.\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\uff0d")


def new_code() -> str:
    """A fresh code, 16 characters, no separators."""
    number = int.from_bytes(secrets.token_bytes(10), "big")
    chars = []
    for _ in range(LENGTH):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def display(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, LENGTH, 4))


def normalize(raw: str) -> str | None:
    """The canonical 16 characters, or None when ``raw`` cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    code = raw.strip().upper().translate(_SEPARATORS).translate(_READ_AS)
    # Full-width letters and digits, as typed by a Chinese input method
    code = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in code).upper().translate(_READ_AS)
    if len(code) != LENGTH or not set(code) <= _VALID:
        return None
    return code


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"cluedesk.intake.tracking-code.v1", hashlib.sha256).digest()


def code_hash(code: str) -> str:
    """HMAC of an already normalized code."""
    return hmac.new(_key(settings.SECRET_KEY), code.encode(), hashlib.sha256).hexdigest()
