"""Authorization matrix rows for cluedesk.vault (see tests/authz.py)."""

from __future__ import annotations

from tests.authz import ANY_STAFF, Row

PASS = "test custodian passphrase"


def _pending_requests(w):
    """A request by the county verifier on the in-scope clue, and one by the sibling county's
    verifier on the out-of-scope clue."""
    from cluedesk.intake.models import Report
    from cluedesk.vault import sealing, services

    w.requests = {}
    for inside, clue, person in [(True, w.clue_in, w.staff["verifier"]), (False, w.clue_out, w.other_staff["verifier"])]:
        report = Report.objects.create(tracking_hash=("i" if inside else "o") * 64, clue=clue, channel="web",
                                       text="x", sealed_identity=sealing.seal({"name": "someone"}))
        w.requests[inside], _key = services.request_disclosure(
            user=person, clue=clue, report_pk=report.pk, reason="Needed to interview the witness in person.")


def _req(w, inside):
    return w.requests[inside].pk


def _clue(w, inside):
    return w.clue_in if inside else w.clue_out


ROWS = [
    Row("staff/vault/", roles=ANY_STAFF),
    Row("staff/vault/clues/<str:public_id>/request/", roles={"verifier"},
        url=lambda w, i: f"/staff/vault/clues/{_clue(w, i).public_id}/request/"),
    Row("staff/vault/clues/<str:public_id>/request/", method="POST", roles={"verifier"}, ok=(302, 400),
        url=lambda w, i: f"/staff/vault/clues/{_clue(w, i).public_id}/request/",
        data=lambda w: {"report": "1", "reason": "short"}, note="bad input: 400, nothing kept"),
    Row("staff/vault/requests/<int:request_id>/", roles={"verifier", "custodian"}, setup=_pending_requests,
        url=lambda w, i: f"/staff/vault/requests/{_req(w, i)}/",
        note="verifier: the in-scope request is theirs; other verifiers would get 403"),
    Row("staff/vault/requests/<int:request_id>/decide/", method="POST", roles={"custodian"}, setup=_pending_requests,
        url=lambda w, i: f"/staff/vault/requests/{_req(w, i)}/decide/",
        data=lambda w: {"decision": "refuse", "note": "matrix"}),
    Row("staff/vault/requests/<int:request_id>/open/", method="POST", roles={"verifier"}, setup=_pending_requests,
        url=lambda w, i: f"/staff/vault/requests/{_req(w, i)}/open/"),
    Row("staff/vault/keys/", roles={"custodian"}),
    Row("staff/vault/keys/rotate/", method="POST", roles={"custodian"},
        data=lambda w: {"rotate-passphrase": PASS}),
    Row("staff/vault/keys/passphrases/", method="POST", roles={"custodian"},
        data=lambda w: {"add-passphrase": PASS, "add-label": "matrix"}),
]

PUBLIC: list[str] = []
