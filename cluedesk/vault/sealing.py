"""Sealing identities and encrypting files.

* Identities are sealed with the custodian public key (libsodium sealed box): the intake
  server can seal but never open them.
* Attachments are encrypted at rest with a file key (XChaCha20-Poly1305 secretstream, in
  chunks, so a file is never whole in memory).
Keys live in the keys folder, outside the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
from django.conf import settings
from nacl import bindings as sodium
from nacl.public import PrivateKey, PublicKey, SealedBox

from cluedesk.platform import privatefiles

from .content import keys_changed, secret_from_env

CHUNK = 64 * 1024
PUBLIC_KEY_FILE = "custodian.pub"
PRIVATE_KEY_FILE = "custodian-key.json"  # the private key, encrypted under a passphrase
FILE_KEY_FILE = "files.key"


def keys_dir() -> Path:
    path = Path(settings.KEYS_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class WrongPassphrase(Exception):
    """No custodian passphrase wrap opens with the passphrase given."""


KDF_LIMITS = {
    "argon2id-moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
}


def _derive(passphrase: str, salt: bytes, kdf: str = "argon2id-moderate") -> bytes:
    opslimit, memlimit = KDF_LIMITS[kdf]
    return nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt,
                                    opslimit=opslimit, memlimit=memlimit)


def _wrap(secret: bytes, passphrase: str, label: str) -> dict[str, str]:
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(passphrase, salt)).encrypt(secret)
    return {"label": label, "kdf": "argon2id-moderate", "salt": salt.hex(), "box": box.hex()}


# The key file (version 2). The sealing key pairs are encrypted under a random key-encryption key
# (KEK); the KEK is wrapped once per custodian passphrase. So a custodian can be added or removed
# without touching the key pairs, and a rotation replaces the key pair without needing every
# custodian's passphrase.
#   {"version": 2,
#    "wraps": [{"label", "kdf", "salt", "box": SecretBox(argon2id(passphrase)).encrypt(KEK)}],
#    "keys":  [{"public", "box": SecretBox(KEK).encrypt(private), "created", "current": bool}]}


def _read_doc() -> dict[str, Any]:
    path = keys_dir() / PRIVATE_KEY_FILE
    if not path.exists():
        raise RuntimeError(f"no custodian key file at {path}: run `cluedesk keys init` first")
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _write_doc(doc: dict[str, Any]) -> None:
    """Replace the key file atomically (write a sibling, fsync, rename)."""
    privatefiles.replace(keys_dir() / PRIVATE_KEY_FILE, json.dumps(doc, indent=1))


def _write_public(public: PublicKey) -> None:
    privatefiles.replace(keys_dir() / PUBLIC_KEY_FILE, bytes(public).hex(), mode=0o644)  # public: others may read it
    _public_key_at.cache_clear()


def encrypt_private_key(private: PrivateKey, passphrase: str, label: str = "custodian-1") -> bytes:
    kek = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)
    return json.dumps({
        "version": 2, "wraps": [_wrap(kek, passphrase, label)],
        "keys": [{"public": bytes(private.public_key).hex(), "current": True, "created": _now(),
                  "box": nacl.secret.SecretBox(kek).encrypt(bytes(private)).hex()}],
    }, indent=1).encode()


def _now() -> str:
    from django.utils import timezone

    return timezone.now().isoformat(timespec="seconds")


def _open_kek(doc: dict[str, Any], passphrase: str) -> bytes:
    for wrap in doc.get("wraps", []):
        try:
            return bytes(nacl.secret.SecretBox(_derive(passphrase, bytes.fromhex(wrap["salt"]), wrap["kdf"]))
                         .decrypt(bytes.fromhex(wrap["box"])))
        except nacl.exceptions.CryptoError:
            continue
    raise WrongPassphrase("the passphrase opens no custodian wrap")


@dataclass
class Keyring:
    """The opened key file: the KEK and every private key, current first. Lives in memory only."""

    kek: bytes
    privates: list[PrivateKey]

    @property
    def current(self) -> PrivateKey:
        return self.privates[0]

    def unseal(self, blob: bytes) -> dict[str, str]:
        for private in self.privates:
            try:
                return unseal(blob, private)
            except nacl.exceptions.CryptoError:
                continue
        raise nacl.exceptions.CryptoError("no custodian key opens this sealed value")


def unlock(passphrase: str) -> Keyring:
    """Open the key file with one custodian passphrase. Raises WrongPassphrase."""
    doc = _read_doc()
    if doc.get("version") != 2:  # a version-1 file: one private key under one passphrase
        try:
            return Keyring(b"", [_decrypt_v1(doc, passphrase)])
        except nacl.exceptions.CryptoError:
            raise WrongPassphrase("wrong passphrase") from None
    kek = _open_kek(doc, passphrase)
    box = nacl.secret.SecretBox(kek)
    keys = sorted(doc["keys"], key=lambda k: not k.get("current"))
    return Keyring(kek, [PrivateKey(box.decrypt(bytes.fromhex(k["box"]))) for k in keys])


def _decrypt_v1(doc: dict[str, Any], passphrase: str) -> PrivateKey:
    key = _derive(passphrase, bytes.fromhex(doc["salt"]))
    return PrivateKey(nacl.secret.SecretBox(key).decrypt(bytes.fromhex(doc["box"])))


def decrypt_private_key(blob: bytes, passphrase: str) -> PrivateKey:
    """The current private key from a key file's bytes. Raises WrongPassphrase."""
    doc = json.loads(blob)
    if doc.get("version") != 2:
        try:
            return _decrypt_v1(doc, passphrase)
        except nacl.exceptions.CryptoError:
            raise WrongPassphrase("wrong passphrase") from None
    kek = _open_kek(doc, passphrase)
    current = next(k for k in doc["keys"] if k.get("current"))
    return PrivateKey(nacl.secret.SecretBox(kek).decrypt(bytes.fromhex(current["box"])))


def key_status() -> dict[str, Any]:
    """What may be shown about the keys: fingerprints and labels, never key material."""
    doc = _read_doc()
    if doc.get("version") != 2:
        return {"version": 1, "labels": ["custodian-1"], "keys": [{"fingerprint": fingerprint(public_key()),
                                                                   "current": True, "created": ""}]}
    return {"version": 2, "labels": [w["label"] for w in doc["wraps"]],
            "keys": [{"fingerprint": fingerprint(PublicKey(bytes.fromhex(k["public"]))), "current": k.get("current"),
                      "created": k.get("created", "")} for k in doc["keys"]]}


def fingerprint(key: PublicKey) -> str:
    import hashlib

    digest = hashlib.sha256(bytes(key)).hexdigest()[:16]
    return ":".join(digest[i:i + 4] for i in range(0, 16, 4))


def add_passphrase(existing: str, new: str, label: str) -> None:
    """Wrap the KEK under another custodian's passphrase (the existing one proves custody)."""
    doc = _read_doc()
    ring = unlock(existing)
    if doc.get("version") != 2:
        doc = json.loads(encrypt_private_key(ring.current, existing))
        ring = unlock_doc(doc, existing)
    if any(w["label"] == label for w in doc["wraps"]):
        raise ValueError(f"a custodian passphrase labelled {label!r} exists already")
    doc["wraps"].append(_wrap(ring.kek, new, label))
    _write_doc(doc)


def unlock_doc(doc: dict[str, Any], passphrase: str) -> Keyring:
    kek = _open_kek(doc, passphrase)
    box = nacl.secret.SecretBox(kek)
    return Keyring(kek, [PrivateKey(box.decrypt(bytes.fromhex(k["box"]))) for k in doc["keys"]])


def remove_passphrase(existing: str, label: str) -> None:
    doc = _read_doc()
    unlock(existing)
    remaining = [w for w in doc.get("wraps", []) if w["label"] != label]
    if len(remaining) == len(doc.get("wraps", [])):
        raise ValueError(f"no custodian passphrase labelled {label!r}")
    if not remaining:
        raise ValueError("the last custodian passphrase cannot be removed")
    doc["wraps"] = remaining
    _write_doc(doc)


def start_rotation(passphrase: str) -> tuple[Keyring, PrivateKey]:
    """Add a new current key pair (the old ones stay, retired, until ``finish_rotation``) and
    publish its public key, so new reports are sealed to it from now on."""
    doc = _read_doc()
    ring = unlock(passphrase)
    if doc.get("version") != 2:
        doc = json.loads(encrypt_private_key(ring.current, passphrase))
        ring = unlock_doc(doc, passphrase)
    new = PrivateKey.generate()
    for k in doc["keys"]:
        k["current"] = False
    doc["keys"].insert(0, {"public": bytes(new.public_key).hex(), "current": True, "created": _now(),
                           "box": nacl.secret.SecretBox(ring.kek).encrypt(bytes(new)).hex()})
    _write_doc(doc)
    _write_public(new.public_key)
    keys_changed.send(sender=None)
    return Keyring(ring.kek, [new, *ring.privates]), new


def finish_rotation() -> int:
    """Drop the retired key pairs; returns how many were dropped."""
    doc = _read_doc()
    before = len(doc["keys"])
    doc["keys"] = [k for k in doc["keys"] if k.get("current")]
    _write_doc(doc)
    return before - len(doc["keys"])


def ensure_custodian_keypair(passphrase: str, label: str = "custodian-1") -> bool:
    """Create the custodian key pair if there is none. Returns True when it was created now.

    The public key goes to ``custodian.pub``; the private key only encrypted (see the file format above).
    """
    pub = keys_dir() / PUBLIC_KEY_FILE
    if pub.exists():
        return False
    private = PrivateKey.generate()
    privatefiles.write_new(keys_dir() / PRIVATE_KEY_FILE, encrypt_private_key(private, passphrase, label))
    privatefiles.write_new(pub, bytes(private.public_key).hex().encode())
    _public_key_at.cache_clear()
    return True


@lru_cache(maxsize=4)
def _public_key_at(path: str, mtime_ns: int, size: int) -> PublicKey:
    return PublicKey(bytes.fromhex(Path(path).read_text().strip()))


def public_key() -> PublicKey:
    """The current custodian public key; re-read when the file changes (a rotation done by
    another process is picked up on the next seal)."""
    path = keys_dir() / PUBLIC_KEY_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        raise RuntimeError(f"no custodian public key at {path}: run `cluedesk serve` or `cluedesk keys init` first") from None
    return _public_key_at(str(path), st.st_mtime_ns, st.st_size)


public_key.cache_clear = _public_key_at.cache_clear  # type: ignore[attr-defined]


def seal(payload: dict[str, str]) -> bytes:
    return SealedBox(public_key()).encrypt(json.dumps(payload, ensure_ascii=False).encode())


def unseal(blob: bytes, private: PrivateKey) -> dict[str, str]:
    result: dict[str, str] = json.loads(SealedBox(private).decrypt(blob))
    return result


@lru_cache(maxsize=1)
def file_key() -> bytes:
    env_key = secret_from_env("CLUEDESK_FILE_KEY")  # the value, or the file CLUEDESK_FILE_KEY_FILE names
    if env_key:
        try:
            key = bytes.fromhex(env_key)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise RuntimeError("CLUEDESK_FILE_KEY must be 64 hex characters")
        return key
    path = keys_dir() / FILE_KEY_FILE
    privatefiles.create_once(path, nacl.utils.random(32).hex())  # another process's, if it wrote first
    return bytes.fromhex(path.read_text().strip())


def encrypt_stream(chunks: Iterable[bytes], out: IO[bytes]) -> int:
    """Encrypt chunks into ``out``; returns the plaintext size. Chunk boundaries are re-cut to CHUNK."""
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, file_key())
    out.write(header)
    size, buffer = 0, b""
    tag_msg = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
    for chunk in chunks:
        buffer += chunk
        size += len(chunk)
        while len(buffer) > CHUNK:
            out.write(sodium.crypto_secretstream_xchacha20poly1305_push(state, buffer[:CHUNK], None, tag_msg))
            buffer = buffer[CHUNK:]
    out.write(sodium.crypto_secretstream_xchacha20poly1305_push(
        state, buffer, None, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL))
    return size


def decrypt_stream(src: IO[bytes]) -> Iterator[bytes]:
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = src.read(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, file_key())
    block = CHUNK + sodium.crypto_secretstream_xchacha20poly1305_ABYTES
    while True:
        data = src.read(block)
        if not data:
            raise ValueError("encrypted file is truncated")
        message, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, data, None)
        yield message
        if tag == sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL:
            return
