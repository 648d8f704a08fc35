"""Authorization matrix rows for cluedesk.records (see tests/authz.py)."""

from __future__ import annotations

from django.utils import timezone

from tests.authz import Row

READ = {"admin", "custodian", "auditor"}
WRITE = {"admin", "custodian"}


def _holds(w):
    from cluedesk.records.models import LegalHold

    now = timezone.now()
    w.hold_in = LegalHold.objects.create(clue=w.clue_in, reason="matrix", placed_by=w.staff["admin"], placed_at=now)
    w.hold_out = LegalHold.objects.create(clue=w.clue_out, reason="matrix", placed_by=w.staff["admin"],
                                          placed_at=now)


ROWS = [
    Row("staff/records/", roles=READ),
    Row("staff/records/due.csv", roles=READ),
    Row("staff/records/due.xlsx", roles=READ),
    Row("staff/records/holds/", method="POST", roles=WRITE,
        data=lambda w: {"clue": w.clue_in.public_id, "reason": "matrix"},
        note="a clue outside the person's area is a message, not a hold (test_views.py)"),
    Row("staff/records/holds/<str:public_id>/add/", method="POST", roles=WRITE,
        url=lambda w, inside: f"/staff/records/holds/{(w.clue_in if inside else w.clue_out).public_id}/add/",
        data=lambda w: {"reason": "matrix"}),
    Row("staff/records/holds/<int:hold_id>/release/", method="POST", roles=WRITE, setup=_holds,
        url=lambda w, inside: f"/staff/records/holds/{(w.hold_in if inside else w.hold_out).pk}/release/",
        data=lambda w: {"reason": "matrix"}),
    Row("staff/records/run/", method="POST", roles=WRITE, note="runs over the person's own area only"),
    Row("staff/records/statistics/publish/", method="POST", roles={"admin"}, data=lambda w: {"year": "2025"}),
]
PUBLIC = ["statistics/", "statistics.csv", "statistics.xlsx"]
