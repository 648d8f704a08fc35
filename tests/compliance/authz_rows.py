"""Authorization matrix rows for cluedesk.compliance (see tests/authz.py)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from tests.authz import Row

REPORT = {"supervisor", "auditor", "admin", "dispatcher"}
EXTEND = {"supervisor", "dispatcher"}
ORAL = {"intake_reviewer", "dispatcher", "verifier", "supervisor", "auditor"}


def _division(w, inside):
    return (w.county if inside else w.other_county).division.code


def _report(clue):
    from cluedesk.intake.models import Report

    return Report.objects.create(tracking_hash=secrets.token_hex(32), clue=clue, channel="phone", text="matrix")


def _clocks(w):
    from cluedesk.compliance.models import ReportClock

    received = timezone.now() - dt.timedelta(days=20)
    for name, clue, unit in (("clock_in", w.clue_in, w.county), ("clock_out", w.clue_out, w.other_county)):
        setattr(w, name, ReportClock.objects.create(
            report=_report(clue), received_at=received, division=clue.division, unit=unit,
            profile_key="national_anti_gang", ack_due=received + dt.timedelta(days=15),
            feedback_due=received + dt.timedelta(days=75)))


def _oral(w):
    from cluedesk.compliance import services

    for name, clue in (("oral_in", w.clue_in), ("oral_out", w.clue_out)):
        setattr(w, name, services.record_oral(_report(clue), kind="minutes", minutes="来电记录",
                                              acting_user=w.staff["intake_reviewer"]))


def _scoped(path):
    return lambda w, inside: f"/staff/compliance/{path}?division={_division(w, inside)}"


ROWS = [
    Row("staff/compliance/", roles=REPORT, url=_scoped("")),
    Row("staff/compliance/report.xlsx", roles=REPORT, url=_scoped("report.xlsx")),
    Row("staff/compliance/clocks/", roles=REPORT, url=_scoped("clocks/")),
    Row("staff/compliance/clocks/<int:clock_id>/extend/", method="POST", roles=EXTEND, setup=_clocks, ok=(303,),
        url=lambda w, inside: f"/staff/compliance/clocks/{(w.clock_in if inside else w.clock_out).pk}/extend/",
        data=lambda w: {"reason": "evidence must be fetched from another province"}),
    Row("staff/compliance/profile/", roles={"admin", "supervisor", "auditor"}),
    Row("staff/compliance/profile/", method="POST", roles=set(),
        data=lambda w: {"profile": "eu_internal", "anonymous_allowed": "yes", "outcome_wording": "whistleblowing"},
        note="only an admin of the national unit may change the profile (the matrix's admin is a county's): "
             "tests/compliance/test_profile_page.py covers the national admin"),
    Row("staff/compliance/oral/", roles=ORAL),
    Row("staff/compliance/oral/<int:record_id>/", roles=ORAL, setup=_oral,
        url=lambda w, inside: f"/staff/compliance/oral/{(w.oral_in if inside else w.oral_out).pk}/"),
]
PUBLIC: list[str] = []
