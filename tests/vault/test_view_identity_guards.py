"""Viewing a disclosed identity: only the person who asked, once (issue 22's rerun: removing the
requester check failed no test, because the only other viewer tried had no key anyway).

Here the other person holds the ephemeral key too (a copied cookie): the check on who they are is
what stops them, and nothing is used up by their attempt.
"""

from __future__ import annotations

import pytest

from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.vault import sealing, services
from cluedesk.vault.models import DisclosureRequest
from tests.org.factories import make_staff

pytestmark = pytest.mark.django_db
PASS = "test custodian passphrase"


def test_someone_else_with_the_requesters_key_cannot_view_the_identity(org_world):
    w = org_world
    report = Report.objects.create(tracking_hash="v" * 64, clue=w.clue_in, channel="web", text="x",
                                   sealed_identity=sealing.seal({"name": "王五"}))
    requester = w.staff["verifier"]
    req, private_hex = services.request_disclosure(user=requester, clue=w.clue_in, report_pk=report.pk,
                                                   reason="We must interview the witness in person.")
    services.decide_disclosure(custodian=w.staff["custodian"], request_id=req.pk, approve=True, passphrase=PASS)
    colleague = make_staff("liuyang-verifier-2", w.county, "verifier")
    events = Event.objects.count()
    for other in (colleague, w.staff["custodian"]):
        with pytest.raises(services.VaultError, match="Only the person who asked"):
            services.view_identity(user=other, request_id=req.pk, ephemeral_private_hex=private_hex)
    req.refresh_from_db()
    assert req.state == DisclosureRequest.State.APPROVED and req.sealed_for_requester
    assert Event.objects.count() == events
    assert services.view_identity(user=requester, request_id=req.pk, ephemeral_private_hex=private_hex) == {
        "name": "王五"}
    with pytest.raises(services.VaultError, match="only once"):
        services.view_identity(user=requester, request_id=req.pk, ephemeral_private_hex=private_hex)
