"""The start-up key check: every instance of one deployment uses the same keys, or refuses to serve.

Each instance reads its keys from its own environment and keys folder. Two instances that read
different ones (a ``*_FILE`` variable missing on one node, a keys folder that is not shared) would
each work alone and silently diverge: an attachment stored by one would not open on the other, a
tracking code made by one would be unknown to the other. So the database the instances share
records the fingerprint of each key that must be the same everywhere (``KeyFingerprint`` rows):

* ``secret_key`` — the server secret (tracking codes, sessions);
* ``files.key`` — the attachments' key;
* ``content.keys`` — the id of the content keyring's *current* key (what new rows are sealed under);
* ``index.key`` — the keyed digests and the blind index;
* ``custodian.pub`` — the custodian public key identities are sealed to.

The first instance to start records them; every later start (`cluedesk serve`, `cluedesk worker`,
gunicorn's master before it forks) compares and refuses with a message that names the key that
differs and where this instance read it — never any key material, only fingerprints.

Legitimate changes move the record: a content key rotation (`cluedesk content-keys rotate`) or a
custodian key rotation (`cluedesk keys rotate`) in any process updates it at once (the vault's
``keys_changed`` signal); and an instance whose content keyring holds the recorded current key as
an older key (the keyring given anew in the environment, a new key first) is a rotation too and
updates the record. An instance that has not yet got the new key then refuses, as it should.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from cluedesk.ledger import services as ledger
from cluedesk.ledger.services import Actor
from cluedesk.platform import secrets as envsecrets
from cluedesk.vault import content, sealing

from .models import KeyFingerprint

LABELS = {
    "secret_key": "the server secret",
    "files.key": "the file key",
    "content.keys": "the current content key",
    "index.key": "the index key",
    "custodian.pub": "the custodian public key",
}


class KeyMismatch(Exception):
    """This instance's keys are not the ones the deployment recorded; the message says which."""


@dataclass
class Key:
    name: str
    fingerprint: str
    source: str  # where it was read: a variable's name, a path (never the value)
    rotated_from: set[str] = field(default_factory=set)  # recorded fingerprints it legitimately replaces


def _fp(material: bytes) -> str:
    return hashlib.blake2b(material, digest_size=8, person=b"cluedesk-kchk").hexdigest()


def _source(env: str, default: Path | str) -> str:
    return envsecrets.source(env).origin or str(default)


def current_keys() -> list[Key]:
    """The keys this process would use (loading them creates the ones a first start creates)."""
    keys_dir = sealing.keys_dir()
    secret_src = _source("CLUEDESK_SECRET_KEY", settings.SERVER_SECRET_PATH or keys_dir / "secret_key")
    out = [Key("secret_key", _fp(settings.SECRET_KEY.encode()), secret_src),
           Key("files.key", _fp(sealing.file_key()), _source("CLUEDESK_FILE_KEY", keys_dir / sealing.FILE_KEY_FILE))]
    ring = content.keyring()
    out.append(Key("content.keys", content.key_id_of(ring.current).hex(),
                   _source("CLUEDESK_CONTENT_KEYS", keys_dir / content.CONTENT_KEYS_FILE),
                   rotated_from={content.key_id_of(k).hex() for k in ring.keys[1:]}))
    out.append(Key("index.key", content.index_key_fingerprint(),
                   _source("CLUEDESK_INDEX_KEY", keys_dir / content.INDEX_KEY_FILE)))
    if (keys_dir / sealing.PUBLIC_KEY_FILE).exists():
        try:
            retired = {k["fingerprint"] for k in sealing.key_status()["keys"] if not k.get("current")}
        except (RuntimeError, OSError, ValueError, KeyError):  # no private key file on this node
            retired = set()
        out.append(Key("custodian.pub", sealing.fingerprint(sealing.public_key()),
                       str(keys_dir / sealing.PUBLIC_KEY_FILE), rotated_from=retired))
    return out


def _me() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()} ({settings.DATA_DIR})"[:200]


def check() -> list[str]:
    """Record the keys the deployment has not recorded yet; refuse (``KeyMismatch``) when any other
    differs from its record. Returns a line per key recorded or moved by a rotation."""
    keys = {k.name: k for k in current_keys()}
    said: list[str] = []
    problems: list[str] = []
    with transaction.atomic():
        recorded = {r.name: r for r in KeyFingerprint.objects.select_for_update().filter(name__in=list(LABELS))}
        for name in LABELS:
            key, row = keys.get(name), recorded.get(name)
            if row is None and key is not None:
                row, created = KeyFingerprint.objects.get_or_create(
                    name=name, defaults={"fingerprint": key.fingerprint, "source": key.source[:300],
                                         "recorded_by": _me()})
                if created:  # else another instance recorded it a moment ago: compared below
                    said.append(f"recorded {LABELS[name]} ({name}) fingerprint {key.fingerprint}")
                    continue
            if row is None:
                continue
            if key is None:
                problems.append(f"{LABELS[name]} ({name}): this instance has none (looked in {sealing.keys_dir()}), "
                                f"the deployment recorded fingerprint {row.fingerprint}")
            elif key.fingerprint != row.fingerprint:
                if row.fingerprint in key.rotated_from:
                    KeyFingerprint.objects.filter(name=name).update(
                        fingerprint=key.fingerprint, source=key.source[:300], recorded_by=_me())
                    said.append(f"{LABELS[name]} ({name}) rotated: fingerprint {row.fingerprint} -> {key.fingerprint}")
                else:
                    problems.append(f"{LABELS[name]} ({name}) read from {key.source} has fingerprint "
                                    f"{key.fingerprint}, the deployment recorded {row.fingerprint} "
                                    f"(read from {row.source or '?'} by {row.recorded_by or '?'})")
    if problems:
        raise KeyMismatch(
            "refusing to serve: this instance's keys differ from the ones the deployment's database records. "
            "Every instance (and every worker) must use the same keys, or what one writes cannot be read by "
            "the others:\n  " + "\n  ".join(problems) +
            "\nGive this instance the same keys as the others (the same CLUEDESK_*_FILE variables or a shared "
            "keys folder), see docs/operations.md, 'Keys every instance shares'. If a key was replaced on "
            "purpose and every instance has the new one, record it: `cluedesk keycheck accept NAME`.")
    return said


def status() -> list[dict[str, str]]:
    """Each shared key: this instance's fingerprint and source beside the deployment's record."""
    keys = {k.name: k for k in current_keys()}
    recorded = {r.name: r for r in KeyFingerprint.objects.filter(name__in=list(LABELS))}
    rows = []
    for name, label in LABELS.items():
        key, row = keys.get(name), recorded.get(name)
        rows.append({"name": name, "label": label, "here": key.fingerprint if key else "",
                     "source": key.source if key else "", "recorded": row.fingerprint if row else "",
                     "recorded_by": row.recorded_by if row else "",
                     "state": ("not recorded" if row is None else "missing here" if key is None
                               else "same" if key.fingerprint == row.fingerprint else "DIFFERENT")})
    return rows


def accept(name: str, *, reason: str) -> tuple[str, str]:
    """Record this instance's fingerprint of ``name`` as the deployment's, after a deliberate
    replacement (a compromised server secret, a file key replaced before any file was stored): one
    ``ops.key_accepted`` ledger event with both fingerprints (never a key) and the reason. Returns
    (old, new). Every other instance still holding the old key refuses to start until it gets the
    new one, which is the point."""
    if name not in LABELS:
        raise ValueError(f"unknown key {name!r}: one of {', '.join(LABELS)}")
    if not reason.strip():
        raise ValueError("say why the key was replaced (--reason): it goes into the ledger")
    key = next((k for k in current_keys() if k.name == name), None)
    if key is None:
        raise ValueError(f"this instance has no {LABELS[name]} ({name}) to record")
    with transaction.atomic():
        row = KeyFingerprint.objects.select_for_update().filter(name=name).first()
        old = row.fingerprint if row else ""
        if old == key.fingerprint:
            return old, old
        KeyFingerprint.objects.update_or_create(
            name=name, defaults={"fingerprint": key.fingerprint, "source": key.source[:300], "recorded_by": _me()})
        ledger.record("ops.key_accepted", actor=Actor.system("keycheck"), subject_type="key", subject_id=name,
                      data={"old": old, "new": key.fingerprint, "source": key.source[:300], "reason": reason.strip()[:500]})
    return old, key.fingerprint


def follow_rotation(**_: object) -> None:
    """After a rotation in this process: move the rows of the keys that changed (none recorded: nothing)."""
    content.forget_keys()
    for key in current_keys():
        KeyFingerprint.objects.filter(name=key.name).exclude(fingerprint=key.fingerprint).update(
            fingerprint=key.fingerprint, source=key.source[:300], recorded_by=_me())


content.keys_changed.connect(follow_rotation, dispatch_uid="cluedesk.ops.keycheck.follow_rotation")
