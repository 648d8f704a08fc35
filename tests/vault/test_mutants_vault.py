"""Tests written for mutants scripts/mutmut_core.py found alive, or reached by no test of tests/vault,
in cluedesk/vault/sealing.py and cluedesk/vault/services.py (issue 22).

Each expectation is written by hand from what the vault promises (docs/threat-model.md "Identity
vault" and "Disclosure workflow", the module docstrings of ``sealing`` and ``services``, the key
file format described in ``sealing``): files come back whole and a changed or cut file is refused;
a version-1 key file (one private key under one passphrase, Argon2id "moderate") still opens;
removing a custodian passphrase deletes that wrap only, never the last one; ``keys init`` creates
the pair once; an approved identity is viewed once, by the person who asked, before the deadline;
unviewed approvals past it are wiped. Key files, streams and fingerprints are read back here with
PyNaCl and hashlib directly, not with the code under test.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import secrets
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils
import pytest
from django.conf import settings
from django.utils import timezone
from nacl import bindings as sodium
from nacl.public import PrivateKey, SealedBox

from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor
from cluedesk.vault import sealing, services
from cluedesk.vault.models import DisclosureRequest

pytestmark = pytest.mark.django_db
PASS = "test custodian passphrase"
CHUNK = 64 * 1024  # "in chunks": 64 KiB of plaintext per secretstream message
HEADER, ABYTES = 24, 17  # XChaCha20-Poly1305 secretstream: header and per-message overhead
TAG_MESSAGE, TAG_FINAL = 0, 3
SECOND = "second custodian passphrase"


def _keys() -> Path:
    return Path(settings.KEYS_DIR)


def _key_file() -> dict:
    return json.loads((_keys() / "custodian-key.json").read_text())


def _published() -> bytes:
    return bytes.fromhex((_keys() / "custodian.pub").read_text().strip())


def _fingerprint(public: bytes) -> str:
    """The first 16 hex digits of SHA-256 over the raw public key, in groups of four."""
    digest = hashlib.sha256(public).hexdigest()
    return f"{digest[0:4]}:{digest[4:8]}:{digest[8:12]}:{digest[12:16]}"


def _argon2id_moderate(passphrase: str, salt: bytes) -> bytes:
    return nacl.pwhash.argon2id.kdf(32, passphrase.encode(), salt, opslimit=nacl.pwhash.argon2id.OPSLIMIT_MODERATE,
                                    memlimit=nacl.pwhash.argon2id.MEMLIMIT_MODERATE)


def _write_version_1(passphrase: str = PASS) -> PrivateKey:
    """A key file as version 1 wrote it: one private key, SecretBox under Argon2id(passphrase)."""
    private = PrivateKey.generate()
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_argon2id_moderate(passphrase, salt)).encrypt(bytes(private))
    (_keys() / "custodian-key.json").write_text(json.dumps({"version": 1, "salt": salt.hex(), "box": box.hex()}))
    (_keys() / "custodian.pub").write_text(bytes(private.public_key).hex())
    sealing.public_key.cache_clear()
    return private


@pytest.fixture
def fresh_keys(settings, tmp_path):
    """An empty keys folder, two levels below any folder that exists (keys_dir makes the parents)."""
    settings.KEYS_DIR = tmp_path / "new" / "keys"
    sealing.public_key.cache_clear()
    yield settings.KEYS_DIR
    sealing.public_key.cache_clear()


def _event(verb: str) -> Event:
    return Event.objects.get(verb=verb)


# --- attachments at rest: encrypt_stream / decrypt_stream ------------------------------------------

def _encrypt(data: bytes, piece: int) -> tuple[int, bytes]:
    out = io.BytesIO()
    size = sealing.encrypt_stream((data[i:i + piece] for i in range(0, len(data), piece)) if data else [b""], out)
    return size, out.getvalue()


def _messages(blob: bytes) -> list[tuple[bytes, int]]:
    """The stream opened with the file key from the keys folder, by PyNaCl alone."""
    key = bytes.fromhex((_keys() / "files.key").read_text().strip())
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, blob[:HEADER], key)
    rest, out = blob[HEADER:], []
    while rest:
        out.append(sodium.crypto_secretstream_xchacha20poly1305_pull(state, rest[:CHUNK + ABYTES], None))
        rest = rest[CHUNK + ABYTES:]
    return out


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1])
@pytest.mark.parametrize("piece", [1000, CHUNK, 3 * CHUNK])
def test_a_file_is_cut_into_64_kib_messages_and_comes_back_whole(size, piece):
    """encrypt_stream 9, 10, 12-16, 20, 22, 23, 33; decrypt_stream 3, 11-15, 25: the plaintext size
    returned, every byte back in order, one message per started 64 KiB (at least one), the last one
    FINAL and only that one."""
    data = secrets.token_bytes(size)
    returned, blob = _encrypt(data, piece)
    assert returned == size
    messages = max(1, math.ceil(size / CHUNK))
    assert len(blob) == HEADER + size + ABYTES * messages
    opened = _messages(blob)
    assert [tag for _m, tag in opened] == [TAG_MESSAGE] * (messages - 1) + [TAG_FINAL]
    assert all(len(m) == CHUNK for m, _t in opened[:-1])
    assert b"".join(m for m, _t in opened) == data
    assert b"".join(sealing.decrypt_stream(io.BytesIO(blob))) == data


@pytest.mark.parametrize("where", [0, HEADER - 1, HEADER, HEADER + CHUNK + ABYTES - 1, -1])
def test_a_changed_byte_anywhere_in_an_encrypted_file_is_refused(where):
    _size, blob = _encrypt(secrets.token_bytes(CHUNK + 10), CHUNK)
    changed = bytearray(blob)
    changed[where] ^= 0x01
    with pytest.raises(nacl.exceptions.CryptoError):
        b"".join(sealing.decrypt_stream(io.BytesIO(bytes(changed))))


@pytest.mark.parametrize("cut", ["header only", "after a whole message", "nothing"])
def test_an_encrypted_file_cut_before_its_final_message_is_refused_as_truncated(cut):
    """decrypt_stream 13, 15-18: a file that ends before the FINAL message is refused with words
    that say so; a file cut exactly at a message boundary decrypts every message it has."""
    _size, blob = _encrypt(secrets.token_bytes(2 * CHUNK + 5), CHUNK)
    end = {"header only": HEADER, "after a whole message": HEADER + CHUNK + ABYTES, "nothing": None}[cut]
    if end is None:
        with pytest.raises(ValueError):
            b"".join(sealing.decrypt_stream(io.BytesIO(b"")))
        return
    with pytest.raises(ValueError, match=r"^encrypted file is truncated$"):
        b"".join(sealing.decrypt_stream(io.BytesIO(blob[:end])))


def test_an_encrypted_file_does_not_open_under_another_file_key():
    _size, blob = _encrypt(b"evidence", 100)
    (_keys() / "files.key").write_text(secrets.token_hex(32))
    sealing.file_key.cache_clear()
    with pytest.raises(nacl.exceptions.CryptoError):
        b"".join(sealing.decrypt_stream(io.BytesIO(blob)))


# --- key files: version 1, decrypt_private_key, unlock_doc --------------------------------------

def test_a_version_1_key_file_still_opens_and_refuses_a_wrong_passphrase():
    """_decrypt_v1 1-14, decrypt_private_key 8-14: the one private key comes out of a version-1
    file with its passphrase, through unlock and through decrypt_private_key."""
    private = _write_version_1()
    assert bytes(sealing.unlock(PASS).current) == bytes(private)
    blob = (_keys() / "custodian-key.json").read_bytes()
    assert bytes(sealing.decrypt_private_key(blob, PASS)) == bytes(private)
    with pytest.raises(sealing.WrongPassphrase, match=r"^wrong passphrase$"):
        sealing.decrypt_private_key(blob, "not the passphrase")
    with pytest.raises(sealing.WrongPassphrase, match=r"^wrong passphrase$"):
        sealing.unlock("not the passphrase")


def test_the_current_private_key_comes_out_of_a_key_file_whatever_the_order_of_its_keys():
    """decrypt_private_key 1-7, 15-32: after a rotation started the file holds two key pairs; the
    current one (the one published in custodian.pub) is returned, even when listed last."""
    before = _published()
    sealing.start_rotation(PASS)
    doc = _key_file()
    assert len(doc["keys"]) == 2
    doc["keys"].reverse()  # the current one last
    blob = json.dumps(doc).encode()
    current = sealing.decrypt_private_key(blob, PASS)
    assert bytes(current.public_key) == _published() != before
    (_keys() / "custodian-key.json").write_text(json.dumps(doc))
    assert bytes(sealing.unlock(PASS).current.public_key) == _published()  # unlock too: the current key first
    with pytest.raises(sealing.WrongPassphrase):
        sealing.decrypt_private_key(blob, "not the passphrase")


def test_adding_a_passphrase_to_a_version_1_file_turns_it_into_version_2_with_both_passphrases():
    """unlock_doc 1-8, 10-18 (reached for a version-1 file only): the private key is kept and both
    passphrases open it."""
    private = _write_version_1()
    sealing.add_passphrase(PASS, "second custodian passphrase", "王五")
    doc = _key_file()
    assert doc["version"] == 2 and [w["label"] for w in doc["wraps"]] == ["custodian-1", "王五"]
    for passphrase in (PASS, "second custodian passphrase"):
        assert [bytes(k) for k in sealing.unlock(passphrase).privates] == [bytes(private)]


def test_rotating_a_version_1_file_reseals_every_value_and_leaves_only_the_new_key():
    """unlock_doc 9 (the rotation keeps the old private keys in its keyring); rotate_keys from a
    version-1 file."""
    old = _write_version_1()
    report = Report.objects.create(tracking_hash="1" * 64, channel="web", text="x",
                                   sealed_identity=SealedBox(old.public_key).encrypt(b'{"name": "\\u5f20\\u4e09"}'))
    result = services.rotate_keys(actor=Actor.system("test"), passphrase=PASS)
    assert result.counts["intake.Report.sealed_identity"] == 1 and result.retired_dropped == 1
    doc = _key_file()
    assert doc["version"] == 2 and len(doc["keys"]) == 1
    new_public = _published()
    assert new_public != bytes(old.public_key) and doc["keys"][0]["public"] == new_public.hex()
    assert result.fingerprint == _fingerprint(new_public)
    ring = sealing.unlock(PASS)
    report.refresh_from_db()
    assert json.loads(SealedBox(ring.current).decrypt(bytes(report.sealed_identity))) == {"name": "张三"}


def _clock(monkeypatch, *moments: datetime) -> None:
    """timezone.now() returns these moments, one per call, the last one from then on."""
    queue = list(moments)
    monkeypatch.setattr(timezone, "now", lambda: queue.pop(0) if len(queue) > 1 else queue[0])


def test_a_key_file_is_a_kek_wrapped_under_argon2id_moderate_of_each_passphrase(fresh_keys):
    """_wrap, _derive, encrypt_private_key, ensure_custodian_keypair: the version-2 format described
    in sealing, opened here by hand: Argon2id "moderate" of the passphrase and the wrap's salt opens
    the KEK, the KEK opens the private key whose public half is the one published."""
    assert sealing.ensure_custodian_keypair(PASS, "王五") is True
    doc = _key_file()
    assert doc["version"] == 2 and len(doc["wraps"]) == 1 and len(doc["keys"]) == 1
    wrap, key = doc["wraps"][0], doc["keys"][0]
    assert (wrap["label"], wrap["kdf"]) == ("王五", "argon2id-moderate")
    kek = nacl.secret.SecretBox(_argon2id_moderate(PASS, bytes.fromhex(wrap["salt"]))).decrypt(bytes.fromhex(wrap["box"]))
    private = PrivateKey(nacl.secret.SecretBox(kek).decrypt(bytes.fromhex(key["box"])))
    assert bytes(private.public_key) == _published() == bytes.fromhex(key["public"]) and key["current"] is True
    assert bytes(private).hex() not in json.dumps(doc) and kek.hex() not in json.dumps(doc)
    assert sealing.ensure_custodian_keypair("another passphrase") is False
    assert [w["label"] for w in _key_file()["wraps"]] == ["王五"]


def test_key_status_shows_fingerprints_labels_and_dates_current_first(fresh_keys, monkeypatch):
    """key_status, start_rotation 23, 33, 37-41, _now: the status of a file written at 21:30:05.123
    and rotated at 21:45: the new key current and first, the retired one not current; dates to the
    second; fingerprints, never key material. A key listed without a date shows an empty one."""
    _clock(monkeypatch, datetime(2026, 12, 7, 21, 30, 5, 123456, tzinfo=UTC))
    sealing.ensure_custodian_keypair(PASS)
    old = _published()
    _clock(monkeypatch, datetime(2026, 12, 7, 21, 45, 0, 999999, tzinfo=UTC))
    _ring, new = sealing.start_rotation(PASS)
    assert bytes(new.public_key) == _published() != old
    status = sealing.key_status()
    assert status == {"version": 2, "labels": ["custodian-1"], "keys": [
        {"fingerprint": _fingerprint(_published()), "current": True, "created": "2026-12-07T21:45:00+00:00"},
        {"fingerprint": _fingerprint(old), "current": False, "created": "2026-12-07T21:30:05+00:00"}]}
    assert bytes(new).hex() not in json.dumps(status)
    assert stat.S_IMODE((Path(fresh_keys) / "custodian.pub").stat().st_mode) == 0o644  # public: others may read it
    assert stat.S_IMODE((Path(fresh_keys) / "custodian-key.json").stat().st_mode) == 0o600
    assert sealing.finish_rotation() == 1
    doc = _key_file()
    del doc["keys"][0]["created"]
    (Path(fresh_keys) / "custodian-key.json").write_text(json.dumps(doc))
    assert sealing.key_status()["keys"] == [{"fingerprint": _fingerprint(_published()), "current": True, "created": ""}]


def test_key_status_of_a_version_1_file_is_its_one_key_under_custodian_1():
    _write_version_1()
    assert sealing.key_status() == {"version": 1, "labels": ["custodian-1"], "keys": [
        {"fingerprint": _fingerprint(_published()), "current": True, "created": ""}]}


def test_a_public_key_replaced_within_the_same_clock_tick_is_read_anew_when_its_size_differs():
    """public_key 7: custodian.pub is re-read when it changes (a rotation by another process). A file
    system with a coarse clock can give the new file the modification time of the old one; the new
    file here also ends in a newline (as an editor writes it), so its size tells the change."""
    path = _keys() / "custodian.pub"
    before = bytes(sealing.public_key())
    st = path.stat()
    other = PrivateKey.generate()
    path.write_text(bytes(other.public_key).hex() + "\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns and path.stat().st_size != st.st_size
    assert bytes(sealing.public_key()) == bytes(other.public_key) != before


def test_without_key_files_the_vault_says_which_command_makes_them(fresh_keys):
    """_read_doc 3, 4 and public_key 4: an operator reads these."""
    with pytest.raises(RuntimeError) as no_file:
        sealing.unlock(PASS)
    assert str(no_file.value) == f"no custodian key file at {Path(fresh_keys) / 'custodian-key.json'}: run `cluedesk keys init` first"
    with pytest.raises(RuntimeError) as no_public:
        sealing.seal({"name": "张三"})
    assert str(no_public.value) == (f"no custodian public key at {Path(fresh_keys) / 'custodian.pub'}: "
                                    "run `cluedesk serve` or `cluedesk keys init` first")


def test_a_key_file_without_wraps_opens_with_no_passphrase():
    """_open_kek 1-6, 25-27: no wrap, no KEK: refused as a wrong passphrase (not a crash)."""
    doc = _key_file()
    del doc["wraps"]
    (_keys() / "custodian-key.json").write_text(json.dumps(doc))
    with pytest.raises(sealing.WrongPassphrase, match=r"^the passphrase opens no custodian wrap$"):
        sealing.unlock(PASS)


def test_a_value_sealed_to_no_key_of_the_ring_is_refused():
    """Keyring.unseal 5-8: the retired key still opens what was sealed to it; a stranger's value is refused."""
    ring, _new = sealing.start_rotation(PASS)
    retired = ring.privates[1]
    assert ring.unseal(SealedBox(retired.public_key).encrypt(b'{"name": "old"}')) == {"name": "old"}
    with pytest.raises(nacl.exceptions.CryptoError, match=r"^no custodian key opens this sealed value$"):
        ring.unseal(SealedBox(PrivateKey.generate().public_key).encrypt(b"{}"))


def test_a_second_passphrase_under_a_label_already_there_is_refused_by_the_key_file():
    """add_passphrase 20-26: the label is the custodian's name; two wraps cannot share it."""
    before = (_keys() / "custodian-key.json").read_bytes()
    with pytest.raises(ValueError, match=r"^a custodian passphrase labelled 'custodian-1' exists already$"):
        sealing.add_passphrase(PASS, SECOND, "custodian-1")
    assert (_keys() / "custodian-key.json").read_bytes() == before


# --- removing a custodian passphrase -------------------------------------------------------------

def test_removing_a_custodian_passphrase_deletes_only_that_wrap_and_ledgers_it(org_world):
    """remove_custodian_passphrase 1-25, remove_passphrase 1-4, 6, 8-13, 19-22: the removed
    passphrase no longer opens the keys, the other one still opens every key, one event."""
    sealed = sealing.seal({"name": "张三"})
    sealing.add_passphrase(PASS, SECOND, "王五")
    custodian = org_world.staff["custodian"]
    services.remove_custodian_passphrase(actor=Actor.staff(custodian), existing=SECOND, label="custodian-1")
    assert [w["label"] for w in _key_file()["wraps"]] == ["王五"]
    with pytest.raises(sealing.WrongPassphrase):
        sealing.unlock(PASS)
    assert sealing.unlock(SECOND).unseal(sealed) == {"name": "张三"}
    event = _event("vault.custodian_passphrase_removed")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "staff", str(custodian.pk), "vault", "keys", {"label": "custodian-1"})


@pytest.mark.parametrize(("existing", "label", "message"), [
    (PASS, "nobody", "no custodian passphrase labelled 'nobody'"),
    (PASS, "custodian-1", "the last custodian passphrase cannot be removed"),
    ("not the passphrase", "custodian-1", "The custodian passphrase is wrong."),
])
def test_it_refuses_to_remove_an_unknown_or_the_last_passphrase_or_with_a_wrong_one(existing, label, message):
    """remove_custodian_passphrase 6, 7; remove_passphrase 13-18: the refusal says why; the key
    file and the ledger are unchanged."""
    before, events = (_keys() / "custodian-key.json").read_bytes(), Event.objects.count()
    with pytest.raises(services.VaultError) as refused:
        services.remove_custodian_passphrase(actor=Actor.system("test"), existing=existing, label=label)
    assert str(refused.value) == message
    assert (_keys() / "custodian-key.json").read_bytes() == before and Event.objects.count() == events
    assert sealing.unlock(PASS).current


def test_removing_a_passphrase_with_a_wrong_one_is_refused_by_the_key_file_itself():
    """remove_passphrase 2: sealing.remove_passphrase checks the existing passphrase itself."""
    sealing.add_passphrase(PASS, SECOND, "王五")
    before = (_keys() / "custodian-key.json").read_bytes()
    with pytest.raises(sealing.WrongPassphrase):
        sealing.remove_passphrase("not the passphrase", "王五")
    assert (_keys() / "custodian-key.json").read_bytes() == before


def test_a_version_1_file_has_no_wrap_to_remove():
    """remove_passphrase 5, 7: a version-1 file (no wraps) refuses with a ValueError, unchanged."""
    private = _write_version_1()
    before = (_keys() / "custodian-key.json").read_bytes()
    with pytest.raises(ValueError):
        sealing.remove_passphrase(PASS, "custodian-1")
    assert (_keys() / "custodian-key.json").read_bytes() == before
    assert bytes(sealing.unlock(PASS).current) == bytes(private)


# --- keys init ------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", [None, "王五 (custodian)"])
def test_init_keys_creates_the_pair_once_and_ledgers_its_fingerprint_and_label(fresh_keys, label):
    """init_keys 1, 2, 6, 8, 12, 13, 18, 22-32: the first passphrase (8 groups of 5) opens the new
    private key, whose public half is published; the wrap carries the label ("custodian-1" unless
    given); one event with the fingerprint and label; the folder 0700, the key file 0600. A second
    call creates nothing and returns None."""
    passphrase = services.init_keys() if label is None else services.init_keys(label=label)
    label = label or "custodian-1"
    assert passphrase and re.fullmatch(r"([a-hjkmnp-z2-9]{5}-){7}[a-hjkmnp-z2-9]{5}", passphrase)
    assert bytes(sealing.unlock(passphrase).current.public_key) == _published()
    assert [w["label"] for w in _key_file()["wraps"]] == [label]
    assert stat.S_IMODE(Path(fresh_keys).stat().st_mode) == 0o700
    assert stat.S_IMODE((Path(fresh_keys) / "custodian-key.json").stat().st_mode) == 0o600
    event = _event("vault.keys_initialised")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "system", "keys", "vault", "keys", {"fingerprint": _fingerprint(_published()), "label": label})
    files = {p.name: p.read_bytes() for p in Path(fresh_keys).iterdir()}
    assert services.init_keys() is None
    assert {p.name: p.read_bytes() for p in Path(fresh_keys).iterdir()} == files
    assert Event.objects.filter(verb="vault.keys_initialised").count() == 1


# --- viewing a disclosed identity, expiry, the clue's list ---------------------------------------

def _approved(w, *, expires_in: timedelta | None = timedelta(minutes=30), state: str = "approved",
              clue=None, requester=None) -> tuple[DisclosureRequest, str]:
    """An approved request as decide_disclosure leaves it: the identity sealed to the ephemeral key."""
    ephemeral = PrivateKey.generate()
    req = DisclosureRequest.objects.create(
        clue=clue or w.clue_in, report_pk=7, requester=requester or w.staff["verifier"],
        reason="We must interview the witness.", ephemeral_public=bytes(ephemeral.public_key), state=state,
        decided_by=w.staff["custodian"], sealed_for_requester=SealedBox(ephemeral.public_key).encrypt(
            json.dumps({"name": "张三", "contact": "13800138000"}).encode()),
        expires_at=None if expires_in is None else timezone.now() + expires_in)
    return req, bytes(ephemeral).hex()


@pytest.fixture
def frozen(monkeypatch):
    """timezone.now() fixed (the vault and the ledger read it through django.utils.timezone)."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def _refused(w, req, key, message, user=None):
    events = Event.objects.count()
    before = (req.state, bytes(req.sealed_for_requester or b""), req.viewed_at)
    with pytest.raises(services.VaultError) as refused:
        services.view_identity(user=user or w.staff["verifier"], request_id=req.pk, ephemeral_private_hex=key)
    assert str(refused.value) == message
    req.refresh_from_db()
    assert (req.state, bytes(req.sealed_for_requester or b""), req.viewed_at) == before
    assert Event.objects.count() == events


def test_the_requester_views_the_identity_once_and_the_view_is_ledgered(org_world, frozen):
    """view_identity: the identity, the sealed copy wiped, one event naming the request and report."""
    w = org_world
    req, key = _approved(w)
    assert services.view_identity(user=w.staff["verifier"], request_id=req.pk, ephemeral_private_hex=key) == {
        "name": "张三", "contact": "13800138000"}
    req.refresh_from_db()
    assert (req.state, req.sealed_for_requester, req.viewed_at) == ("viewed", None, frozen)
    event = _event("vault.identity_viewed")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "staff", str(w.staff["verifier"].pk), "clue", w.clue_in.public_id, {"request": req.pk, "report": 7})
    _refused(w, req, key, "This identity was already viewed; it can be viewed only once.")


def test_viewing_is_refused_to_anyone_else_before_approval_and_with_another_key(org_world):
    """view_identity 9, 19-23 and the key guard: each refusal in its words, nothing used up."""
    w = org_world
    req, key = _approved(w)
    _refused(w, req, key, "Only the person who asked may view this identity.", user=w.staff["custodian"])
    wrong = "This browser does not hold the key for this request. Open it in the browser you asked from, or ask again."
    _refused(w, req, bytes(PrivateKey.generate()).hex(), wrong)
    _refused(w, req, "not hex", wrong)
    for state in ("requested", "refused", "expired"):
        other, other_key = _approved(w, state=state)
        _refused(w, other, other_key, "This request is not approved.")
    viewed, viewed_key = _approved(w, state="viewed")
    _refused(w, viewed, viewed_key, "This identity was already viewed; it can be viewed only once.")


def test_viewing_is_refused_from_the_deadline_on(org_world, frozen):
    """view_identity 26-31: at the deadline itself the time has passed (expires_at <= now); a
    microsecond before it the identity opens; no deadline at all is refused too."""
    w = org_world
    late = "The time to view this identity has passed. Ask again if you still need it."
    at_deadline, key = _approved(w, expires_in=timedelta(0))
    _refused(w, at_deadline, key, late)
    no_deadline, key = _approved(w, expires_in=None)
    _refused(w, no_deadline, key, late)
    just_in_time, key = _approved(w, expires_in=timedelta(microseconds=1))
    assert services.view_identity(user=w.staff["verifier"], request_id=just_in_time.pk,
                                  ephemeral_private_hex=key)["name"] == "张三"


def test_expiry_wipes_approved_requests_from_their_deadline_on_and_nothing_else(org_world, frozen):
    """expire_disclosures 5, 9, 15, 23-40: approved and due (at or before now) become expired with
    the sealed copy wiped; one not yet due, and requests in any other state whose deadline passed,
    are left alone; one system event lists the expired requests; with none due: 0, no event."""
    w = org_world
    assert services.expire_disclosures() == 0
    assert not Event.objects.filter(verb="vault.disclosures_expired").exists()
    due_now, _k = _approved(w, expires_in=timedelta(0))
    overdue, _k = _approved(w, expires_in=-timedelta(hours=1))
    not_yet, _k = _approved(w, expires_in=timedelta(microseconds=1))
    others = [_approved(w, expires_in=-timedelta(hours=1), state=s)[0] for s in ("viewed", "refused", "requested")]
    assert services.expire_disclosures() == 2
    for req in (due_now, overdue):
        req.refresh_from_db()
        assert (req.state, req.sealed_for_requester) == ("expired", None)
    not_yet.refresh_from_db()
    assert not_yet.state == "approved" and not_yet.sealed_for_requester
    for req, state in zip(others, ("viewed", "refused", "requested"), strict=True):
        req.refresh_from_db()
        assert req.state == state and req.sealed_for_requester
    event = _event("vault.disclosures_expired")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id) == (
        "system", "vault", "vault", "disclosures")
    assert sorted(event.data["requests"]) == sorted([due_now.pk, overdue.pk]) and set(event.data) == {"requests"}
    assert services.expire_disclosures() == 0


def test_a_clue_lists_its_own_disclosure_requests_only(org_world):
    w = org_world
    mine = [_approved(w, state=s)[0] for s in ("requested", "approved", "viewed")]
    _approved(w, clue=w.clue_out, requester=w.other_staff["verifier"])
    listed = services.disclosures_for_clue(w.clue_in)
    assert sorted(r.pk for r in listed) == sorted(r.pk for r in mine)
    assert {r.requester for r in listed} == {w.staff["verifier"]}


# --- asking and deciding --------------------------------------------------------------------------

REASON = "We must interview the witness."


@pytest.fixture
def reports(org_world):
    w = org_world
    w.named = Report.objects.create(tracking_hash="n" * 64, clue=w.clue_in, channel="web", text="x",
                                    sealed_identity=sealing.seal({"name": "张三"}))
    w.second = Report.objects.create(tracking_hash="s" * 64, clue=w.clue_in, channel="web", text="y",
                                     sealed_identity=sealing.seal({"name": "李四"}))
    w.anonymous = Report.objects.create(tracking_hash="a" * 64, clue=w.clue_in, channel="web", text="z")
    return w


def _ask(w, report, user=None, reason=REASON):
    return services.request_disclosure(user=user or w.staff["verifier"], clue=w.clue_in, report_pk=report.pk,
                                       reason=reason)[0]


def _refusal(call, message: str) -> None:
    rows, events = DisclosureRequest.objects.count(), Event.objects.count()
    with pytest.raises(services.VaultError) as refused:
        call()
    assert str(refused.value) == message
    assert (DisclosureRequest.objects.count(), Event.objects.count()) == (rows, events)


def test_a_request_needs_a_reason_of_at_least_15_characters(reports):
    """request_disclosure 2, 3, 6, 7: 15 characters (white space around not counted) are enough, 14 not."""
    w = reports
    _refusal(lambda: _ask(w, w.named, reason="  " + "x" * 14 + "  "),
             "Explain why you need the identity (at least 15 characters).")
    req = _ask(w, w.named, reason="  " + "x" * 15 + "  ")
    assert req.reason == "x" * 15
    event = _event("vault.disclosure_requested")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "staff", str(w.staff["verifier"].pk), "clue", w.clue_in.public_id,
        {"request": req.pk, "report": w.named.pk, "reason": "x" * 15})


def test_a_request_for_a_report_without_an_identity_is_refused(reports):
    """request_disclosure 13-17."""
    w = reports
    _refusal(lambda: _ask(w, w.anonymous), "This report has no identity to disclose.")
    empty = Report.objects.create(tracking_hash="e" * 64, clue=w.clue_in, channel="web", text="e", sealed_identity=b"")
    _refusal(lambda: _ask(w, empty), "This report has no identity to disclose.")
    assert [r.pk for r in services.reports_with_identity(w.clue_in)] == sorted([w.named.pk, w.second.pk])


def test_one_open_request_per_person_and_report(reports):
    """request_disclosure 19-26: the same person again on the same report is refused while the first
    request is open; a colleague on that report, the same person on another report, and the same
    person after a refusal may ask."""
    w = reports
    first = _ask(w, w.named)
    _refusal(lambda: _ask(w, w.named), "You already have an open request for this report.")
    assert _ask(w, w.named, user=w.staff["custodian"]).requester == w.staff["custodian"]
    assert _ask(w, w.second).report_pk == w.second.pk
    services.decide_disclosure(custodian=w.staff["custodian"], request_id=first.pk, approve=False)
    assert _ask(w, w.named).state == "requested"


def test_a_refusal_and_an_approval_are_ledgered_with_request_report_and_note(reports):
    """decide_disclosure 1, 73, 78, 82-87: a refusal without a note keeps an empty note."""
    w = reports
    custodian = w.staff["custodian"]
    refused = services.decide_disclosure(custodian=custodian, request_id=_ask(w, w.named).pk, approve=False)
    assert (refused.state, refused.decision_note) == ("refused", "")
    event = _event("vault.disclosure_refused")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "staff", str(custodian.pk), "clue", w.clue_in.public_id, {"request": refused.pk, "report": w.named.pk,
                                                                  "note": ""})
    approved = services.decide_disclosure(custodian=custodian, request_id=_ask(w, w.named).pk, approve=True,
                                          note="  needed for the interview ", passphrase=PASS)
    assert (approved.state, approved.decision_note) == ("approved", "needed for the interview")
    event = _event("vault.disclosure_approved")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "staff", str(custodian.pk), "clue", w.clue_in.public_id, {"request": approved.pk, "report": w.named.pk,
                                                                  "note": "needed for the interview"})


def test_deciding_ones_own_or_an_already_decided_request_is_refused_in_words(reports):
    """decide_disclosure 15, 16, 19, 21-23."""
    w = reports
    own = _ask(w, w.named, user=w.staff["custodian"])
    _refusal(lambda: services.decide_disclosure(custodian=w.staff["custodian"], request_id=own.pk, approve=False),
             "You cannot decide your own request: another custodian must.")
    other = _ask(w, w.named)
    services.decide_disclosure(custodian=w.staff["custodian"], request_id=other.pk, approve=False)
    _refusal(lambda: services.decide_disclosure(custodian=w.staff["custodian"], request_id=other.pk, approve=False),
             "This request was already decided.")


def test_an_approval_is_refused_when_the_identity_is_gone(reports, monkeypatch):
    """decide_disclosure 30, 43-47: the report's identity wiped since the request (a purge), or no
    identity source at all: refused, the request still awaits a decision."""
    w = reports
    req = _ask(w, w.named)
    Report.objects.filter(pk=w.named.pk).update(sealed_identity=None)
    message = "This report has no identity to disclose."

    def decide() -> None:
        services.decide_disclosure(custodian=w.staff["custodian"], request_id=req.pk, approve=True, passphrase=PASS)

    _refusal(decide, message)
    monkeypatch.setattr(services, "identity_model", lambda: None)
    _refusal(decide, message)
    req.refresh_from_db()
    assert req.state == "requested" and req.sealed_for_requester is None


# --- custodian passphrases and rotation -----------------------------------------------------------

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 characters: no i, l, o, 0, 1


def test_passphrases_are_8_groups_of_5_drawn_from_31_characters():
    """new_passphrase: 40 × log2 31 ≈ 198 bits (docs/threat-model.md)."""
    drawn = [services.new_passphrase() for _ in range(60)]
    group = f"[{ALPHABET}]{{5}}"
    assert all(re.fullmatch(f"{group}(-{group}){{7}}", p) for p in drawn)
    assert set("".join(drawn).replace("-", "")) == set(ALPHABET) and len(set(drawn)) == len(drawn)


def test_a_new_custodian_passphrase_needs_a_label_of_at_most_60_characters(org_world):
    """add_custodian_passphrase: the label stripped, 1 to 60 characters; the new passphrase opens
    the same keys; one event with the label; a label used twice and a wrong passphrase are refused."""
    custodian = org_world.staff["custodian"]
    rule = "Give the new passphrase a label (the custodian's name), at most 60 characters."
    for label in ("   ", "x" * 61):
        _refusal(lambda label=label: services.add_custodian_passphrase(
            actor=Actor.staff(custodian), existing=PASS, label=label), rule)
    passphrase = services.add_custodian_passphrase(actor=Actor.staff(custodian), existing=PASS,
                                                   label=" " + "王" * 60 + " ")
    group = f"[{ALPHABET}]{{5}}"
    assert re.fullmatch(f"{group}(-{group}){{7}}", passphrase)
    assert bytes(sealing.unlock(passphrase).current) == bytes(sealing.unlock(PASS).current)
    assert [w["label"] for w in _key_file()["wraps"]] == ["custodian-1", "王" * 60]
    event = _event("vault.custodian_passphrase_added")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "staff", str(custodian.pk), "vault", "keys", {"label": "王" * 60})
    _refusal(lambda: services.add_custodian_passphrase(actor=Actor.staff(custodian), existing=PASS,
                                                       label="custodian-1"),
             "A passphrase with this label exists already.")
    _refusal(lambda: services.add_custodian_passphrase(actor=Actor.staff(custodian), existing="wrong",
                                                       label="李四"), "The custodian passphrase is wrong.")


def test_a_rotation_skips_empty_values_and_ledgers_counts_and_the_new_fingerprint_only(org_world):
    """rotate_keys, _all_open_with: an empty sealed value is neither re-sealed nor counted and does
    not keep the retired key; the event holds the counts and the new key's fingerprint; a wrong
    passphrase is refused in words."""
    sealed = Report.objects.create(tracking_hash="1" * 64, channel="web", text="x",
                                   sealed_identity=sealing.seal({"name": "张三"}))
    empty = Report.objects.create(tracking_hash="2" * 64, channel="web", text="y", sealed_identity=b"")
    Report.objects.create(tracking_hash="3" * 64, channel="web", text="z")
    Report.objects.create(tracking_hash="4" * 64, channel="web", text="w", sealed_identity=sealing.seal({"name": "李四"}))
    _refusal(lambda: services.rotate_keys(actor=Actor.system("test"), passphrase="wrong"),
             "The custodian passphrase is wrong.")
    custodian = org_world.staff["custodian"]
    result = services.rotate_keys(actor=Actor.staff(custodian), passphrase=PASS)
    counts = {"intake.Report.sealed_identity": 2, "intake.Attachment.sealed_name": 0}
    assert (result.counts, result.retired_dropped, result.fingerprint) == (counts, 1, _fingerprint(_published()))
    empty.refresh_from_db()
    assert bytes(empty.sealed_identity) == b""
    sealed.refresh_from_db()
    assert json.loads(SealedBox(sealing.unlock(PASS).current).decrypt(bytes(sealed.sealed_identity))) == {"name": "张三"}
    event = _event("vault.keys_rotated")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id, event.data) == (
        "staff", str(custodian.pk), "vault", "keys", {"resealed": counts, "fingerprint": _fingerprint(_published())})


def test_the_check_after_a_rotation_goes_past_empty_values(monkeypatch):
    """_all_open_with 9, 10 (rotate_keys 21, 22): empty values first and last in any order, a value
    sealed to the retired key between them (a late report): the retired key is kept."""
    Report.objects.create(tracking_hash="5" * 64, channel="web", text="x", sealed_identity=b"")
    middle = Report.objects.create(tracking_hash="6" * 64, channel="web", text="y",
                                   sealed_identity=sealing.seal({"name": "张三"}))
    Report.objects.create(tracking_hash="7" * 64, channel="web", text="z", sealed_identity=b"")
    old_public = sealing.public_key()
    real_record = services.record

    def late(verb, **kwargs):
        event = real_record(verb, **kwargs)
        if verb == "vault.keys_rotated":
            Report.objects.filter(pk=middle.pk).update(sealed_identity=SealedBox(old_public).encrypt(b'{"name": "late"}'))
        return event

    monkeypatch.setattr(services, "record", late)
    assert services.rotate_keys(actor=Actor.system("test"), passphrase=PASS).retired_dropped == 0
    middle.refresh_from_db()
    assert sealing.unlock(PASS).unseal(bytes(middle.sealed_identity)) == {"name": "late"}
