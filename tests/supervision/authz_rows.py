"""Authorization matrix rows for cluedesk.supervision (see tests/authz.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.authz import ANY_STAFF, Row

SUPERVISE = {"supervisor", "auditor"}


def _division(w, inside):
    return (w.county if inside else w.other_county).division.code


def _notices(w):
    from cluedesk.supervision.models import Notification

    now = timezone.now()
    w.notice_in = Notification.objects.create(unit=w.county, subject="s", body="b", created_at=now)
    w.notice_out = Notification.objects.create(unit=w.other_county, subject="s", body="b", created_at=now)


def _sample(w):
    from cluedesk.supervision.models import SampleItem, SampleMonth

    sample = SampleMonth.objects.create(month=dt.date(2026, 3, 1), seed="s" * 64, seed_hash="h" * 64,
                                        committed_at=timezone.now(), drawn_at=timezone.now())
    w.item_in = SampleItem.objects.create(sample=sample, clue=w.clue_in, group_id="430000", rank=1)
    w.item_out = SampleItem.objects.create(sample=sample, clue=w.clue_out, group_id="430000", rank=2)


def _scoped(path):
    return lambda w, inside: f"/staff/supervision/{path}?division={_division(w, inside)}"


ROWS = [
    Row("staff/supervision/", roles=SUPERVISE, url=_scoped("")),
    Row("staff/supervision/items/", roles=SUPERVISE),
    Row("staff/supervision/notices/", roles=ANY_STAFF),
    Row("staff/supervision/notices/<int:notice_id>/read/", method="POST", roles=ANY_STAFF, setup=_notices,
        url=lambda w, inside: f"/staff/supervision/notices/{(w.notice_in if inside else w.notice_out).pk}/read/"),
    Row("staff/supervision/samples/", roles=SUPERVISE),
    Row("staff/supervision/samples/<int:year>/<int:month>/", roles=SUPERVISE, setup=_sample, scoped=False,
        url=lambda w, inside: "/staff/supervision/samples/2026/3/"),
    Row("staff/supervision/samples/items/<int:item_id>/check/", method="POST", roles={"auditor"}, setup=_sample,
        url=lambda w, inside: f"/staff/supervision/samples/items/{(w.item_in if inside else w.item_out).pk}/check/",
        data=lambda w: {"held_up": "yes", "note": ""}),
    Row("staff/supervision/bulletin/", roles=SUPERVISE, url=_scoped("bulletin/")),
    Row("staff/supervision/bulletin.xlsx", roles=SUPERVISE, url=_scoped("bulletin.xlsx")),
    Row("staff/supervision/bulletin.pdf", roles=SUPERVISE, url=_scoped("bulletin.pdf")),
]


def _rounds(w):
    from cluedesk.supervision.models import InspectionRound, InspectionTeam

    now = timezone.now()
    user = w.staff["supervisor"]
    w.round_in = InspectionRound.objects.create(name="in", division=w.county.division, starts=dt.date(2026, 4, 1),
                                                ends=dt.date(2026, 4, 9), created_by=user, created_at=now)
    w.round_out = InspectionRound.objects.create(name="out", division=w.other_county.division,
                                                 starts=dt.date(2026, 4, 1), ends=dt.date(2026, 4, 9),
                                                 created_by=user, created_at=now)
    w.team_in = InspectionTeam.objects.create(round=w.round_in, name="A")
    InspectionTeam.objects.create(round=w.round_out, name="A")


def _round_url(suffix):
    return lambda w, inside: f"/staff/supervision/rounds/{(w.round_in if inside else w.round_out).pk}/{suffix}"


ROWS += [
    Row("staff/supervision/key-regions/", roles=SUPERVISE),
    Row("staff/supervision/key-regions/adjust/", method="POST", roles={"supervisor"},
        data=lambda w: {"division": w.county.division.code, "kind": "add", "reason": "matrix"},
        note="a division outside the person's territory is a 404 (test_key_regions_and_rounds.py)"),
    Row("staff/supervision/rounds/", roles=SUPERVISE),
    Row("staff/supervision/rounds/new/", method="POST", roles={"supervisor"},
        data=lambda w: {"name": "m", "division": w.county.division.code, "starts": "2026-04-01",
                        "ends": "2026-04-02"}),
    Row("staff/supervision/rounds/<int:round_id>/", roles=SUPERVISE, setup=_rounds, url=_round_url("")),
    Row("staff/supervision/rounds/<int:round_id>/teams/", method="POST", roles={"supervisor"}, setup=_rounds,
        url=_round_url("teams/"), data=lambda w: {"name": "B", "divisions": w.county.division.code}),
    Row("staff/supervision/rounds/<int:round_id>/handover/", method="POST", roles={"supervisor"}, setup=_rounds,
        url=_round_url("handover/"),
        data=lambda w: {"team": w.team_in.pk, "clue": w.clue_in.public_id, "unit": w.county.pk, "days": 30}),
]
