"""Sealing identities and encrypting files.

* Identities are sealed with the custodian public key (libsodium sealed box): the intake
  server can seal but never open them.
* Attachments are encrypted at rest with a file key (XChaCha20-Poly1305 secretstream, in
  chunks, so a file is never whole in memory).
Keys live in the keys folder, outside the database.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO

import nacl.pwhash
import nacl.secret
import nacl.utils
from django.conf import settings
from nacl import bindings as sodium
from nacl.public import PrivateKey, PublicKey, SealedBox

CHUNK = 64 * 1024
PUBLIC_KEY_FILE = "custodian.pub"
PRIVATE_KEY_FILE = "custodian-key.json"  # the private key, encrypted under a passphrase
FILE_KEY_FILE = "files.key"


def keys_dir() -> Path:
    path = Path(settings.KEYS_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def encrypt_private_key(private: PrivateKey, passphrase: str) -> bytes:
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    key = nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), salt,
                                   opslimit=nacl.pwhash.argon2id.OPSLIMIT_MODERATE,
                                   memlimit=nacl.pwhash.argon2id.MEMLIMIT_MODERATE)
    box = nacl.secret.SecretBox(key).encrypt(bytes(private))
    return json.dumps({"kdf": "argon2id-moderate", "salt": salt.hex(), "box": box.hex(),
                       "public": bytes(private.public_key).hex()}).encode()


def decrypt_private_key(blob: bytes, passphrase: str) -> PrivateKey:
    """Raises nacl.exceptions.CryptoError on a wrong passphrase."""
    doc = json.loads(blob)
    key = nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode(), bytes.fromhex(doc["salt"]),
                                   opslimit=nacl.pwhash.argon2id.OPSLIMIT_MODERATE,
                                   memlimit=nacl.pwhash.argon2id.MEMLIMIT_MODERATE)
    return PrivateKey(nacl.secret.SecretBox(key).decrypt(bytes.fromhex(doc["box"])))


def ensure_custodian_keypair(passphrase: str) -> bool:
    """Create the custodian key pair if there is none. Returns True when it was created now.

    The public key goes to ``custodian.pub``; the private key only encrypted under the passphrase.
    """
    pub = keys_dir() / PUBLIC_KEY_FILE
    if pub.exists():
        return False
    private = PrivateKey.generate()
    _write_new(keys_dir() / PRIVATE_KEY_FILE, encrypt_private_key(private, passphrase))
    _write_new(pub, bytes(private.public_key).hex().encode())
    public_key.cache_clear()
    return True


@lru_cache(maxsize=1)
def public_key() -> PublicKey:
    path = keys_dir() / PUBLIC_KEY_FILE
    if not path.exists():
        raise RuntimeError(f"no custodian public key at {path}: run `cluedesk serve` or `cluedesk keys init` first")
    return PublicKey(bytes.fromhex(path.read_text().strip()))


def seal(payload: dict[str, str]) -> bytes:
    return SealedBox(public_key()).encrypt(json.dumps(payload, ensure_ascii=False).encode())


def unseal(blob: bytes, private: PrivateKey) -> dict[str, str]:
    result: dict[str, str] = json.loads(SealedBox(private).decrypt(blob))
    return result


@lru_cache(maxsize=1)
def file_key() -> bytes:
    env_key = os.environ.get("CLUEDESK_FILE_KEY")
    if env_key:
        key = bytes.fromhex(env_key)
        if len(key) != 32:
            raise RuntimeError("CLUEDESK_FILE_KEY must be 64 hex characters")
        return key
    path = keys_dir() / FILE_KEY_FILE
    if not path.exists():
        try:
            _write_new(path, nacl.utils.random(32).hex().encode())
        except FileExistsError:
            pass
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
