"""The ledger's checkpoint signing key (Ed25519), kept outside the database.

Where it comes from:
1. ``CLUEDESK_LEDGER_SIGNING_KEY_FILE`` (a file holding the key) or ``CLUEDESK_LEDGER_SIGNING_KEY``
   (the key itself), read by cluedesk.platform.secrets like every other secret (not both);
2. ``ledger-signing.key`` in the keys folder (``KEYS_DIR``), created once the first time a
   checkpoint is signed (mode 0600, written whole: ``platform.privatefiles.create_once``).
The key is the 32-byte Ed25519 seed written as 64 hex characters. Verifying never creates a key.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nacl.utils
from django.conf import settings
from nacl.signing import SigningKey, VerifyKey

from cluedesk.platform import secrets as envsecrets
from cluedesk.platform.privatefiles import create_once

SIGNING_KEY_FILE = "ledger-signing.key"
ENV = "CLUEDESK_LEDGER_SIGNING_KEY"


class SigningKeyError(RuntimeError):
    """The signing key named by the environment or the keys folder cannot be used."""


def keys_dir() -> Path:
    path = Path(settings.KEYS_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def key_path() -> Path:
    return keys_dir() / SIGNING_KEY_FILE


def _seed(*, create: bool) -> bytes | None:
    try:
        given = envsecrets.source(ENV)
        text = given.read() if given.given else None
    except envsecrets.SecretError as exc:
        raise SigningKeyError(str(exc)) from None
    if text is not None:
        source = given.origin
    else:
        path = key_path()
        source = str(path)
        if not path.exists():
            if not create:
                return None
            create_once(path, nacl.utils.random(32).hex())  # another process's, if it wrote first
        text = path.read_text(encoding="ascii")
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise SigningKeyError(f"{source} must hold 64 hex characters (an Ed25519 seed)")
    return seed


def signing_key() -> SigningKey:
    """The key the worker signs checkpoints with (created in the keys folder if there is none)."""
    seed = _seed(create=True)
    assert seed is not None
    return SigningKey(seed)


def verify_key() -> VerifyKey | None:
    """The public half, for checking checkpoints; None when no key exists yet."""
    seed = _seed(create=False)
    return None if seed is None else SigningKey(seed).verify_key


def key_id(key: VerifyKey) -> str:
    """A short name for a public key, written beside each signature."""
    return hashlib.sha256(bytes(key)).hexdigest()[:16]
