"""What reporters and staff write, encrypted at rest; keyed digests and blind-index keys.

Three symmetric keys live in the keys folder, outside the database (or come from the
environment, ``<NAME>`` or ``<NAME>_FILE``):

* ``content.keys`` — the content keyring: one 32-byte key per line, hex, the first the current
  one. Text is sealed with XChaCha20-Poly1305 (libsodium's AEAD, the cipher the files already use)
  under the current key; the token names the key by a 4-byte id, so after a rotation older rows
  stay readable until ``cluedesk keys reencrypt`` has rewritten them and the old line is dropped.
* ``index.key`` — the key of every keyed hash: blind-index grams for search, the entity keys
  triage compares reports by, and the digests that prove in the ledger or a purge proof what was
  written, without letting whoever holds the original text confirm it (an unkeyed SHA-256 of a
  leaked memo would).
* ``files.key`` — attachments (``sealing.py``).

A token is ``ct1.`` + base64url(key id ‖ nonce ‖ ciphertext ‖ tag); the associated data binds it
to its column (``intake.report.text``), so a value copied into another column does not open.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import nacl.utils
from django.conf import settings
from django.dispatch import Signal
from nacl import bindings as sodium
from nacl.exceptions import CryptoError

from cluedesk.platform import privatefiles
from cluedesk.platform import secrets as envsecrets

PREFIX = "ct1."
CONTENT_KEYS_FILE = "content.keys"
INDEX_KEY_FILE = "index.key"
KEY_BYTES = 32
NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES


# Sent (no arguments) after this process changed a key every instance shares — a content key
# rotation, a custodian key rotation — so that the record of the deployment's key fingerprints
# (cluedesk/ops/keycheck.py) follows a legitimate change at once.
keys_changed = Signal()


class KeyProblem(RuntimeError):
    """A key is missing or malformed, or a token names a key this server does not have."""


class ContentKeyMissing(KeyProblem):
    pass


def secret_from_env(name: str) -> str | None:
    """A secret given in the environment, as ``NAME`` or as the path in ``NAME_FILE``
    (cluedesk.platform.secrets); None when neither is given."""
    try:
        found = envsecrets.source(name)
        return found.read() if found.given else None
    except envsecrets.SecretError as exc:
        raise KeyProblem(str(exc)) from None


def _keys_dir() -> Path:
    path = Path(settings.KEYS_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _parse_keys(text: str, where: str) -> list[bytes]:
    keys = []
    for line in text.replace(",", "\n").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            key = bytes.fromhex(line)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise KeyProblem(f"{where}: each key must be {KEY_BYTES * 2} hex characters")
        keys.append(key)
    if not keys:
        raise KeyProblem(f"{where}: no key")
    return keys


@dataclass(frozen=True)
class Keyring:
    keys: tuple[bytes, ...]  # current first

    @property
    def current(self) -> bytes:
        return self.keys[0]

    def by_id(self, key_id: bytes) -> bytes | None:
        for key in self.keys:
            if key_id_of(key) == key_id:
                return key
        return None


def key_id_of(key: bytes) -> bytes:
    return hashlib.blake2b(key, digest_size=4, person=b"cluedesk-ck").digest()


_lock = threading.Lock()


def _source(env: str, default: Path) -> tuple[Path | None, str | None]:
    """Where a key comes from: the environment's value, else a file (``<NAME>_FILE`` or the default)."""
    try:
        found = envsecrets.source(env)
    except envsecrets.SecretError as exc:
        raise KeyProblem(str(exc)) from None
    if found.path is None and found.value:
        return None, found.value.strip()
    return found.path or default, None


RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class _Loaded:
    where: tuple[str, str | None, str | None]  # the keys folder and the two variables it was read under
    checked_at: float
    stamp: object  # the file's path, mtime and size (or the variable's value)
    value: object


_cache: dict[str, _Loaded] = {}


def _load(name: str, env: str, default_name: str, parse: Callable[[str, str], object]) -> object:
    """A key source, parsed once and again when its file changes (a rotation by another process;
    the file is looked at again at most once a second, so a hash per search gram costs no stat).
    One cache entry is replaced whole, after the key is read: a thread never takes a key read
    under another folder or variable for the one in force (one entry per name, swapped at once)."""
    hit = _cache.get(name)
    now = time.monotonic()
    where = (str(settings.KEYS_DIR), os.environ.get(env), os.environ.get(f"{env}_FILE"))
    if hit is not None and hit.where == where and now - hit.checked_at < RECHECK_SECONDS:
        return hit.value
    default = _keys_dir() / default_name
    path, value = _source(env, default)
    if path is not None:
        if path == default and not path.exists():
            privatefiles.create_once(path, nacl.utils.random(KEY_BYTES).hex() + "\n")
        try:
            st = path.stat()
        except OSError as exc:
            raise KeyProblem(f"{env}: cannot read {path} ({exc.strerror})") from None
        stamp: object = (str(path), st.st_mtime_ns, st.st_size)
    else:
        stamp = ("env", value)
    if hit is not None and hit.where == where and hit.stamp == stamp:
        parsed = hit.value
    else:
        text = path.read_text() if path is not None else value or ""
        parsed = parse(text, str(path) if path is not None else env)
    _cache[name] = _Loaded(where, now, stamp, parsed)
    return parsed


def keyring() -> Keyring:
    ring = _load("content", "CLUEDESK_CONTENT_KEYS", CONTENT_KEYS_FILE,
                 lambda text, where: Keyring(tuple(_parse_keys(text, where))))
    return ring  # type: ignore[return-value]


def index_key() -> bytes:
    key = _load("index", "CLUEDESK_INDEX_KEY", INDEX_KEY_FILE,
                lambda text, where: _parse_keys(text, where)[0])
    return key  # type: ignore[return-value]


def forget_keys() -> None:
    """Drop cached keys (tests, restore, rotation in this process)."""
    with _lock:
        _cache.clear()


def _content_keys_path() -> Path:
    path, value = _source("CLUEDESK_CONTENT_KEYS", _keys_dir() / CONTENT_KEYS_FILE)
    if path is None:
        raise KeyProblem("the content keys come from CLUEDESK_CONTENT_KEYS: change that variable instead "
                         "(a new key first, the old ones after it)")
    return path


def _replace(path: Path, keys: list[bytes]) -> None:
    privatefiles.replace(path, "".join(k.hex() + "\n" for k in keys))
    forget_keys()


def add_content_key() -> str:
    """Put a new current content key at the top of the ring (older ones stay, to read old rows);
    returns its id. New writes use it at once, in every process (the file's change is seen)."""
    path = _content_keys_path()
    ring = keyring()
    new = nacl.utils.random(KEY_BYTES)
    _replace(path, [new, *ring.keys])
    keys_changed.send(sender=None)
    return key_id_of(new).hex()


def drop_content_keys(keep_ids: set[str]) -> int:
    """Drop every content key but the current one and those in ``keep_ids``; returns how many."""
    path = _content_keys_path()
    ring = keyring()
    kept = [ring.current] + [k for k in ring.keys[1:] if key_id_of(k).hex() in keep_ids]
    _replace(path, kept)
    return len(ring.keys) - len(kept)


# ---- encryption --------------------------------------------------------------------------------

def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(text: str, label: str) -> str:
    key = keyring().current
    kid = key_id_of(key)
    nonce = nacl.utils.random(NONCE_BYTES)
    sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(text.encode(), label.encode() + kid, nonce, key)
    return PREFIX + base64.urlsafe_b64encode(kid + nonce + sealed).decode("ascii").rstrip("=")


def decrypt(token: str, label: str) -> str:
    raw = base64.urlsafe_b64decode(token[len(PREFIX):] + "=" * (-len(token) % 4))
    kid, nonce, sealed = raw[:4], raw[4:4 + NONCE_BYTES], raw[4 + NONCE_BYTES:]
    key = keyring().by_id(kid)
    if key is None:
        raise ContentKeyMissing(f"a value of {label} is sealed under content key {kid.hex()}, which this "
                                "server does not have (restore the keys archive, or add the old key line back)")
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, label.encode() + kid, nonce, key).decode()
    except CryptoError:
        raise CryptoError(f"a value of {label} does not open: altered, or moved from another column") from None


def current_key_id(token: str) -> bytes:
    raw = base64.urlsafe_b64decode(token[len(PREFIX):len(PREFIX) + 8] + "==")
    return raw[:4]


# ---- keyed hashes ------------------------------------------------------------------------------

def digest(*parts: str | bytes) -> str:
    """A keyed digest (BLAKE2b under the index key) of text or bytes: proves what was written to
    whoever holds the key, and tells nothing to whoever holds only the original."""
    h = hashlib.blake2b(key=index_key(), digest_size=32, person=b"cluedesk-dg")
    for i, part in enumerate(parts):
        if i:
            h.update(b"\x1f")
        h.update(part.encode() if isinstance(part, str) else part)
    return h.hexdigest()


def keyed_label(value: str) -> str:
    """A short keyed label of an entity (a name, a phone number) for triage's stored entities."""
    return "k:" + hashlib.blake2b(value.encode(), key=index_key(), digest_size=8, person=b"cluedesk-en").hexdigest()


def gram_hasher() -> Callable[[str], int]:
    """The blind-index key of a search gram, with the index key bound once (hundreds of grams
    a report): a signed 32-bit integer (an INTEGER on both backends)."""
    base = hashlib.blake2b(key=index_key(), digest_size=4, person=b"cluedesk-sg")

    def key(gram: str) -> int:
        h = base.copy()
        h.update(gram.encode())
        return int.from_bytes(h.digest(), "big", signed=True)

    return key


def fingerprints() -> dict[str, str]:
    """Fingerprints of the content keys and the index key (never the keys)."""
    out = {"content.keys": ",".join(key_id_of(k).hex() for k in keyring().keys)}
    out["index.key"] = hashlib.blake2b(index_key(), digest_size=8, person=b"cluedesk-fp").hexdigest()
    return out


# A file's keyed digest, fed chunk by chunk (attachments, evidence): its own personalisation, so a
# file's digest never equals ``digest`` of the same bytes given as text.
FILE_DIGEST = "blake2b-256 keyed with index.key"


def file_hasher() -> hashlib.blake2b:
    """A keyed BLAKE2b-256 hasher for a file's plaintext; ``update`` it chunk by chunk."""
    return hashlib.blake2b(key=index_key(), digest_size=32, person=b"cluedesk-fd")


def file_digest(chunks: Iterable[bytes]) -> str:
    """The keyed digest of a file's bytes (hex): tells whoever holds the original nothing."""
    h = file_hasher()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def index_key_fingerprint() -> str:
    """The index key's fingerprint (as ``fingerprints()`` shows it): which key a keyed digest is under."""
    return hashlib.blake2b(index_key(), digest_size=8, person=b"cluedesk-fp").hexdigest()
