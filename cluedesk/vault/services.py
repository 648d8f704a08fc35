"""The vault's verbs: key management and the identity disclosure workflow.

This module is the only code that opens a sealed value (``Keyring.unseal``); a test checks that no
other module calls ``unseal``/``unlock``. Every verb is one transaction with one ledger event.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import nacl.exceptions
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.public import PrivateKey, PublicKey, SealedBox

from cluedesk.ledger.services import Actor, record

from . import sealing
from .models import DisclosureRequest
from .registry import IDENTITY_SOURCE, identity_model, sealed_fields

MIN_REASON = 15


class VaultError(Exception):
    """A refusal a person can cause: the message is in their language; nothing changed."""


def new_passphrase() -> str:
    """Eight groups of five lower-case letters and digits (~200 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(8))


# --- keys -------------------------------------------------------------------------------------

def init_keys(*, label: str = "custodian-1") -> str | None:
    """Create the custodian key pair; returns the first custodian passphrase (shown once), or
    None when keys exist already."""
    passphrase = new_passphrase()
    with transaction.atomic():
        if not sealing.ensure_custodian_keypair(passphrase, label):
            return None
        record("vault.keys_initialised", actor=Actor.system("keys"), subject_type="vault", subject_id="keys",
               data={"fingerprint": sealing.fingerprint(sealing.public_key()), "label": label})
    return passphrase


def _unlock(passphrase: str) -> sealing.Keyring:
    try:
        return sealing.unlock(passphrase)
    except sealing.WrongPassphrase:
        raise VaultError(_("The custodian passphrase is wrong.")) from None


def add_custodian_passphrase(*, actor: Actor, existing: str, label: str) -> str:
    """Wrap the keys under a new custodian passphrase; returns it (shown once)."""
    label = label.strip()
    if not label or len(label) > 60:
        raise VaultError(_("Give the new passphrase a label (the custodian's name), at most 60 characters."))
    passphrase = new_passphrase()
    _unlock(existing)
    with transaction.atomic():
        try:
            sealing.add_passphrase(existing, passphrase, label)
        except ValueError:
            raise VaultError(_("A passphrase with this label exists already.")) from None
        record("vault.custodian_passphrase_added", actor=actor, subject_type="vault", subject_id="keys",
               data={"label": label})
    return passphrase


def remove_custodian_passphrase(*, actor: Actor, existing: str, label: str) -> None:
    _unlock(existing)
    with transaction.atomic():
        try:
            sealing.remove_passphrase(existing, label)
        except ValueError as exc:
            raise VaultError(str(exc)) from None
        record("vault.custodian_passphrase_removed", actor=actor, subject_type="vault", subject_id="keys",
               data={"label": label})


@dataclass
class RotationResult:
    counts: dict[str, int]
    fingerprint: str
    retired_dropped: int


def rotate_keys(*, actor: Actor, passphrase: str) -> RotationResult:
    """New key pair; every sealed value in the registry re-sealed to it in one transaction.

    Order: the new key is published first (so reports arriving meanwhile are sealed to it) while
    the old one stays in the key file; then the re-seal transaction; then a check that every
    sealed value opens with the new key, and only then the old key is dropped. A crash at any
    point leaves every value openable.
    """
    try:
        ring, new = sealing.start_rotation(passphrase)
    except sealing.WrongPassphrase:
        raise VaultError(_("The custodian passphrase is wrong.")) from None
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model, field in sealed_fields():
            n = 0
            rows = model._default_manager.select_for_update().exclude(**{f"{field}__isnull": True})
            for pk, blob in rows.values_list("pk", field).iterator(chunk_size=500):
                if not blob:
                    continue
                plain = ring.unseal(bytes(blob))
                model._default_manager.filter(pk=pk).update(**{field: sealing.seal(plain)})
                n += 1
            counts[f"{model._meta.label}.{field}"] = n
        fp = sealing.fingerprint(new.public_key)
        record("vault.keys_rotated", actor=actor, subject_type="vault", subject_id="keys",
               data={"resealed": counts, "fingerprint": fp})
    dropped = sealing.finish_rotation() if _all_open_with(new) else 0
    return RotationResult(counts, fp, dropped)


def _all_open_with(private: PrivateKey) -> bool:
    box = SealedBox(private)
    for model, field in sealed_fields():
        for blob in model._default_manager.exclude(**{f"{field}__isnull": True}).values_list(field, flat=True):
            if not blob:
                continue
            try:
                box.decrypt(bytes(blob))
            except nacl.exceptions.CryptoError:
                return False
    return True


# --- disclosure -------------------------------------------------------------------------------

def reports_with_identity(clue: Any) -> list[Any]:
    """The reports of a clue whose reporter left a (sealed) identity."""
    model = identity_model()
    if model is None:
        return []
    _label, field, clue_field = IDENTITY_SOURCE
    return list(model._default_manager.filter(**{clue_field: clue}).exclude(**{f"{field}__isnull": True})
                .exclude(**{field: b""}).order_by("pk"))


def request_disclosure(*, user: Any, clue: Any, report_pk: int, reason: str) -> tuple[DisclosureRequest, str]:
    """Open a request. Returns it and the hex private half of its ephemeral key, which the caller
    hands to the requester's browser (a cookie) and never stores."""
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise VaultError(_("Explain why you need the identity (at least %(n)d characters).") % {"n": MIN_REASON})
    if report_pk not in {r.pk for r in reports_with_identity(clue)}:
        raise VaultError(_("This report has no identity to disclose."))
    ephemeral = PrivateKey.generate()
    with transaction.atomic():
        if DisclosureRequest.objects.filter(requester=user, report_pk=report_pk,
                                            state=DisclosureRequest.State.REQUESTED).exists():
            raise VaultError(_("You already have an open request for this report."))
        req = DisclosureRequest.objects.create(clue=clue, report_pk=report_pk, requester=user, reason=reason,
                                               ephemeral_public=bytes(ephemeral.public_key))
        record("vault.disclosure_requested", actor=Actor.staff(user), subject_type="clue",
               subject_id=clue.public_id, data={"request": req.pk, "report": report_pk, "reason": reason})
    return req, bytes(ephemeral).hex()


def decide_disclosure(*, custodian: Any, request_id: int, approve: bool, note: str = "",
                      passphrase: str = "") -> DisclosureRequest:
    """A custodian other than the requester approves (with the custodian passphrase) or refuses.
    A request already decided is refused: an approval cannot be replayed."""
    ring = _unlock(passphrase) if approve else None
    with transaction.atomic():
        req = DisclosureRequest.objects.select_for_update().select_related("clue").get(pk=request_id)
        if req.requester_id == custodian.pk:
            raise VaultError(_("You cannot decide your own request: another custodian must."))
        if req.state != DisclosureRequest.State.REQUESTED:
            raise VaultError(_("This request was already decided."))
        now = timezone.now()
        req.decided_by, req.decided_at, req.decision_note = custodian, now, note.strip()
        if approve:
            assert ring is not None
            model = identity_model()
            report = model._default_manager.filter(pk=req.report_pk).first() if model else None
            blob = getattr(report, IDENTITY_SOURCE[1], None) if report is not None else None
            if not blob:
                raise VaultError(_("This report has no identity to disclose."))
            identity = ring.unseal(bytes(blob))
            req.sealed_for_requester = sealing_to(PublicKey(bytes(req.ephemeral_public)), identity)
            req.state = DisclosureRequest.State.APPROVED
            req.expires_at = now + timedelta(seconds=settings.CLUEDESK_DISCLOSURE_VIEW_SECONDS)
            verb = "vault.disclosure_approved"
        else:
            req.state = DisclosureRequest.State.REFUSED
            verb = "vault.disclosure_refused"
        req.save()
        record(verb, actor=Actor.staff(custodian), subject_type="clue", subject_id=req.clue.public_id,
               data={"request": req.pk, "report": req.report_pk, "note": req.decision_note})
    return req


def sealing_to(public: PublicKey, identity: dict[str, str]) -> bytes:
    import json

    return SealedBox(public).encrypt(json.dumps(identity, ensure_ascii=False).encode())


def view_identity(*, user: Any, request_id: int, ephemeral_private_hex: str) -> dict[str, str]:
    """The requester sees the identity once, within the time limit, in the browser that asked.
    The sealed copy is wiped in the same transaction."""
    import json

    with transaction.atomic():
        req = DisclosureRequest.objects.select_for_update().select_related("clue").get(pk=request_id)
        if req.requester_id != user.pk:
            raise VaultError(_("Only the person who asked may view this identity."))
        if req.state == DisclosureRequest.State.VIEWED:
            raise VaultError(_("This identity was already viewed; it can be viewed only once."))
        if req.state != DisclosureRequest.State.APPROVED:
            raise VaultError(_("This request is not approved."))
        if req.expires_at is None or req.expires_at <= timezone.now():
            raise VaultError(_("The time to view this identity has passed. Ask again if you still need it."))
        try:
            key = PrivateKey(bytes.fromhex(ephemeral_private_hex))
            identity: dict[str, str] = json.loads(SealedBox(key).decrypt(bytes(req.sealed_for_requester or b"")))
        except (ValueError, TypeError, nacl.exceptions.CryptoError):
            raise VaultError(_("This browser does not hold the key for this request. Open it in the browser "
                               "you asked from, or ask again.")) from None
        req.state, req.viewed_at, req.sealed_for_requester = DisclosureRequest.State.VIEWED, timezone.now(), None
        req.save(update_fields=["state", "viewed_at", "sealed_for_requester"])
        record("vault.identity_viewed", actor=Actor.staff(user), subject_type="clue", subject_id=req.clue.public_id,
               data={"request": req.pk, "report": req.report_pk})
    return identity


def expire_disclosures() -> int:
    """Wipe approved identities not viewed in time (a job; also run before the vault pages)."""
    with transaction.atomic():
        due = list(DisclosureRequest.objects.select_for_update().filter(
            state=DisclosureRequest.State.APPROVED, expires_at__lte=timezone.now()).values_list("pk", flat=True))
        if not due:
            return 0
        DisclosureRequest.objects.filter(pk__in=due).update(state=DisclosureRequest.State.EXPIRED,
                                                            sealed_for_requester=None)
        record("vault.disclosures_expired", actor=Actor.system("vault"), subject_type="vault",
               subject_id="disclosures", data={"requests": due})
    return len(due)


def disclosures_for_clue(clue: Any) -> list[DisclosureRequest]:
    """What the clue page shows: that disclosures were asked for and what became of them."""
    return list(DisclosureRequest.objects.filter(clue=clue).select_related("requester", "decided_by"))
