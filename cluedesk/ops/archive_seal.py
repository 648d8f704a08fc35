"""Backup archives encrypted to an offline backup public key (issue 19, finding 10).

A backup holds every report (its text sealed under the content keys, but also the database's
structure, the ledger, the file store); whoever takes an archive from the backup disk should get
nothing. So ``cluedesk backup`` can encrypt the archive to a **backup public key** whose private
half is kept offline: the server can write backups but not read them back, and ``restore`` asks
for the private key.

Format ``cluedesk-sealed-backup/1`` (libsodium, through PyNaCl)::

    magic        b"cluedesk-sealed-backup/1\\n"
    recipient    8 bytes: the fingerprint of the backup public key it is sealed to
    sealed key   80 bytes: crypto_box_seal(stream key, backup public key) — a fresh random key
    header       24 bytes: the secretstream header
    chunks       XChaCha20-Poly1305 secretstream of the tar, 1 MiB a chunk, the last tagged FINAL;
                 every chunk authenticates the magic, recipient and sealed key as associated data

A changed, reordered, cut or extended archive does not open (the FINAL tag marks the end). The
key pair: ``cluedesk backup-keys generate --out FILE`` (X25519; the file holds the private key,
the public key is printed and goes into ``CLUEDESK_BACKUP_PUBLIC_KEY`` or ``_FILE``).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import IO

import nacl.utils
from nacl import bindings as sodium
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey

from cluedesk.platform.privatefiles import write_new
from cluedesk.vault.content import KeyProblem, secret_from_env

MAGIC = b"cluedesk-sealed-backup/1\n"
PUBLIC_ENV = "CLUEDESK_BACKUP_PUBLIC_KEY"
CHUNK = 1 << 20
FP_BYTES = 8
SEALED_KEY_BYTES = 32 + sodium.crypto_box_SEALBYTES
HEADER_BYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


class SealError(Exception):
    """A backup key that is missing, malformed or the wrong one, or a sealed archive that does not open."""


def _fp_bytes(public: PublicKey) -> bytes:
    return hashlib.blake2b(bytes(public), digest_size=FP_BYTES, person=b"cluedesk-bk").digest()


def _shown(raw: bytes) -> str:
    text = raw.hex()
    return ":".join(text[i:i + 4] for i in range(0, len(text), 4))


def fingerprint(public: PublicKey) -> str:
    """What identifies a backup key pair in messages, manifests and the key file (never the key)."""
    return _shown(_fp_bytes(public))


def _hex_key(text: str, where: str) -> bytes:
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            raw = bytes.fromhex(line)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise SealError(f"{where}: a backup key is 64 hex characters on one line")
        return raw
    raise SealError(f"{where}: no key in it")


def parse_public(value: str, where: str = "the backup public key") -> PublicKey:
    """A public key given as 64 hex characters, or the path of a file holding them."""
    value = value.strip()
    if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
        return PublicKey(bytes.fromhex(value))
    path = Path(value)
    try:
        text = path.read_text()
    except OSError as exc:
        raise SealError(f"{where}: {value!r} is neither 64 hex characters nor a readable file "
                        f"({exc.strerror})") from None
    return PublicKey(_hex_key(text, str(path)))


def configured_public() -> PublicKey | None:
    """The backup public key of the configuration (``CLUEDESK_BACKUP_PUBLIC_KEY`` or ``_FILE``), if any."""
    try:
        value = secret_from_env(PUBLIC_ENV)
    except KeyProblem as exc:
        raise SealError(str(exc)) from None
    return parse_public(value, PUBLIC_ENV) if value else None


def load_private(path: Path) -> PrivateKey:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SealError(f"backup key {path}: cannot read it ({exc.strerror})") from None
    return PrivateKey(_hex_key(text, str(path)))


def private_key_text(private: PrivateKey) -> str:
    public = private.public_key
    return ("# cluedesk backup private key (X25519). Keep it offline, apart from the backups and from\n"
            "# the server: `cluedesk restore ARCHIVE --backup-key THIS_FILE` needs it.\n"
            f"# public key: {bytes(public).hex()}\n"
            f"# fingerprint: {fingerprint(public)}\n"
            f"{bytes(private).hex()}\n")


def write_private(path: Path, private: PrivateKey) -> None:
    """Write a new private key file, 0600; refuses to overwrite one."""
    try:
        write_new(path, private_key_text(private))
    except FileExistsError:
        raise SealError(f"{path} exists already; name a new file (an old backup key may still be needed)") from None


# ---- writing ------------------------------------------------------------------------------------

class SealingWriter(io.RawIOBase):
    """A write-only stream that encrypts what is written into ``out`` (tarfile's ``w|`` mode)."""

    def __init__(self, out: IO[bytes], public: PublicKey) -> None:
        super().__init__()
        self._out = out
        key = nacl.utils.random(sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES)
        self._ad = MAGIC + _fp_bytes(public) + sodium.crypto_box_seal(key, bytes(public))
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        out.write(self._ad + header)
        self._buffer = bytearray()
        self._finished = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self._finished:
            raise ValueError("the sealed archive is finished")
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._push(bytes(self._buffer[:CHUNK]), TAG_MESSAGE)
            del self._buffer[:CHUNK]
        return len(data)

    def _push(self, chunk: bytes, tag: int) -> None:
        self._out.write(sodium.crypto_secretstream_xchacha20poly1305_push(self._state, chunk, self._ad, tag))

    def finish(self) -> None:
        """The last chunk, tagged FINAL: without it the archive reads as cut short."""
        if not self._finished:
            self._push(bytes(self._buffer), TAG_FINAL)
            self._buffer.clear()
            self._finished = True

    def close(self) -> None:
        self.finish()
        super().close()


# ---- reading ------------------------------------------------------------------------------------

def is_sealed(path: Path) -> bool:
    try:
        with Path(path).open("rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def recipient(path: Path) -> str:
    """The fingerprint of the backup public key an archive is sealed to (readable without the key)."""
    with Path(path).open("rb") as fh:
        head = fh.read(len(MAGIC) + FP_BYTES)
    return _shown(head[len(MAGIC):])


class OpeningReader(io.RawIOBase):
    """The plaintext of a sealed archive, read as a stream (tarfile's ``r|`` mode)."""

    def __init__(self, src: IO[bytes], private: PrivateKey, name: str) -> None:
        super().__init__()
        self._src, self._name = src, name
        ad = src.read(len(MAGIC) + FP_BYTES + SEALED_KEY_BYTES)
        if len(ad) < len(MAGIC) + FP_BYTES + SEALED_KEY_BYTES or not ad.startswith(MAGIC):
            raise SealError(f"{name} is not a sealed cluedesk backup")
        mine = _fp_bytes(private.public_key)
        theirs = ad[len(MAGIC):len(MAGIC) + FP_BYTES]
        if mine != theirs:
            raise SealError(f"{name} is sealed to backup key {_shown(theirs)}; the key given is "
                            f"{fingerprint(private.public_key)}")
        try:
            key = sodium.crypto_box_seal_open(ad[len(MAGIC) + FP_BYTES:], bytes(private.public_key), bytes(private))
        except CryptoError:
            raise SealError(f"{name}: the backup key does not open it (damaged archive)") from None
        self._ad = ad
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = src.read(HEADER_BYTES)
        if len(header) != HEADER_BYTES:
            raise SealError(f"{name} is cut short")
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(self._state, header, key)
        self._buffer = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _pull(self) -> None:
        block = self._src.read(CHUNK + ABYTES)
        if not block:
            raise SealError(f"{self._name} is cut short (its last chunk is missing)")
        try:
            message, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(self._state, block, self._ad)
        except CryptoError:
            raise SealError(f"{self._name} does not open: damaged or altered") from None
        self._buffer += message
        if tag == TAG_FINAL:
            self._done = True
            if self._src.read(1):
                raise SealError(f"{self._name} has data after its end (altered)")

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._pull()
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def drain(self) -> None:
        """Read to the end, so a cut or extended archive is caught even when the reader stopped early."""
        while not self._done:
            self._pull()
            self._buffer = b""
