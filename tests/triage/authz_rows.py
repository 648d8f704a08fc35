"""Authorization matrix rows for cluedesk.triage (see tests/authz.py).

The awaiting-triage queue, the triage card's correction form and its "split off" buttons: the "triage" action, held by
intake reviewers and dispatchers. Out of scope (the sibling county's clue) → 404; other roles
in scope → 403.
"""

from __future__ import annotations

import secrets

from tests.authz import Row

TRIAGE = {"intake_reviewer", "dispatcher"}
OK = (303,)


def _clue(w, inside):
    return w.clue_in if inside else w.clue_out


def _two_reports(w):
    """Two reports on each world clue, so that one can be split off."""
    from cluedesk.clues.models import Clue
    from cluedesk.intake.models import Report

    for clue in (w.clue_in, w.clue_out):
        for text in ("matrix report one", "matrix report two"):
            Report.objects.create(tracking_hash=secrets.token_hex(32), clue=clue, channel="web", text=text)
        Clue.objects.filter(pk=clue.pk).update(report_count=2)


def _split_url(w, inside):
    from cluedesk.intake.models import Report

    clue = _clue(w, inside)
    report = Report.objects.filter(clue=clue).order_by("-pk").first()
    return f"/staff/triage/{clue.public_id}/reports/{report.pk}/split/"


ROWS = [
    # the queue of reports awaiting triage (scoped by each report's division: tests/triage/test_awaiting.py)
    Row("staff/triage/awaiting/", roles=TRIAGE, ok=(200,)),
    Row("staff/triage/<str:public_id>/correct/", method="POST", roles=TRIAGE, ok=OK,
        url=lambda w, i: f"/staff/triage/{_clue(w, i).public_id}/correct/",
        data=lambda w: {"category": "gang_violence", "industry": "other", "umbrella": "yes",
                        "division": w.county.division.code}),
    Row("staff/triage/<str:public_id>/reports/<int:report_id>/split/", method="POST", roles=TRIAGE, ok=OK,
        setup=_two_reports, url=_split_url),
]
PUBLIC: list[str] = []
