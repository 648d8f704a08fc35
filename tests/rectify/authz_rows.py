"""Authorization matrix rows for cluedesk.rectify (see tests/authz.py).

Who may do what (docs/rectify.md): read — supervisor, auditor, admin, dispatcher, industry liaison;
write lists, letters, transfers and key tasks — supervisor, admin; evidence — supervisor, admin,
dispatcher, liaison (the service also requires membership of the owner unit); verify/reopen —
supervisor; answer a letter — liaison, admin (the service also requires membership of the recipient).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.authz import Row

VIEW = {"supervisor", "auditor", "admin", "dispatcher", "industry_liaison"}
MANAGE = {"supervisor", "admin"}
SUBMIT = {"supervisor", "admin", "dispatcher", "industry_liaison"}
ANSWER = {"industry_liaison", "admin"}


def _setup(w):
    from cluedesk.org.models import Membership, Unit
    from cluedesk.rectify.models import (
        Feedback,
        IndustryAuthority,
        ItemEvidence,
        KeyTask,
        Letter,
        Milestone,
        ProblemItem,
    )
    from cluedesk.supervision.models import InspectionRound

    now = timezone.now()
    sup = w.staff["supervisor"]
    w.r_round_in = InspectionRound.objects.create(name="rin", division=w.county.division, starts=dt.date(2026, 3, 1),
                                                  ends=dt.date(2026, 3, 9), created_by=sup, created_at=now)
    r_out = InspectionRound.objects.create(name="rout", division=w.other_county.division, starts=dt.date(2026, 3, 1),
                                           ends=dt.date(2026, 3, 9), created_by=sup, created_at=now)
    item = {}
    for key, rnd, owner in (("in", w.r_round_in, w.county), ("out", r_out, w.other_county)):
        item[key] = ProblemItem.objects.create(round=rnd, number=1, owner=owner, problem="p", time_limit=dt.date(2026, 5, 1),
                                               status=ProblemItem.Status.SUBMITTED, submitted_by=w.other_staff["admin"],
                                               submitted_at=now, created_at=now)
    w.r_item = item
    w.r_evidence = {k: ItemEvidence.objects.create(item=v, unit=v.owner, note="n", submitted_by=w.other_staff["admin"],
                                                   submitted_at=now, file_id="0" * 32, file_name="a.txt")
                    for k, v in item.items()}
    w.r_auth_in = Unit.objects.create(name="浏阳市自然资源局", division=w.county.division, type=Unit.Type.INDUSTRY)
    auth_out = Unit.objects.create(name="芙蓉区自然资源局", division=w.other_county.division, type=Unit.Type.INDUSTRY)
    for u in (w.r_auth_in, auth_out):
        IndustryAuthority.objects.create(unit=u, industry="natural_resources")
    for role in ("industry_liaison", "admin"):
        Membership.objects.create(user=w.staff[role], unit=w.r_auth_in, role=role)
    w.r_letter = {}
    for key, recipient in (("in", w.r_auth_in), ("out", auth_out)):
        w.r_letter[key] = Letter.objects.create(number=f"L-{key}", kind="supervision_letter", issuer=w.county,
                                                recipient=recipient, industry="natural_resources", issue="i",
                                                issued_on=dt.date(2026, 4, 1), deadline=dt.date(2026, 6, 1),
                                                created_at=now)
    Feedback.objects.create(letter=w.r_letter["out"], unit=auth_out, answered_on=dt.date(2026, 4, 5), text="t",
                            recorded_at=now)
    w.r_task = {k: KeyTask.objects.create(year=2026, number=1, title="t", owner=o, created_at=now)
                for k, o in (("in", w.county), ("out", w.other_county))}
    w.r_ms = {k: Milestone.objects.create(task=t, title="m", due=dt.date(2026, 3, 1)) for k, t in w.r_task.items()}


def _k(inside):
    return "in" if inside else "out"


def _item_url(suffix):
    return lambda w, inside: f"/staff/rectify/items/{w.r_item[_k(inside)].pk}/{suffix}"


def _letter_url(suffix):
    return lambda w, inside: f"/staff/rectify/letters/{w.r_letter[_k(inside)].pk}/{suffix}"


def _task_url(suffix):
    return lambda w, inside: f"/staff/rectify/tasks/{w.r_task[_k(inside)].pk}/{suffix}"


ROWS = [
    Row("staff/rectify/", roles=VIEW),
    Row("staff/rectify/items/", roles=VIEW, setup=_setup),
    Row("staff/rectify/items/new/", method="POST", roles=MANAGE, setup=_setup,
        data=lambda w: {"round": w.r_round_in.pk, "owner": w.county.pk, "problem": "p", "time_limit": "2026-04-01"}),
    Row("staff/rectify/items/export.<str:fmt>", roles=VIEW, setup=_setup,
        url=lambda w, inside: "/staff/rectify/items/export.csv", scoped=False),
    Row("staff/rectify/items/<int:item_id>/", roles=VIEW, setup=_setup, url=_item_url("")),
    Row("staff/rectify/items/<int:item_id>/start/", method="POST", roles=SUBMIT, setup=_setup,
        url=_item_url("start/")),
    Row("staff/rectify/items/<int:item_id>/submit/", method="POST", roles=SUBMIT, setup=_setup,
        url=_item_url("submit/"), data=lambda w: {"note": "done"}),
    Row("staff/rectify/items/<int:item_id>/verify/", method="POST", roles={"supervisor"}, setup=_setup,
        url=_item_url("verify/")),
    Row("staff/rectify/items/<int:item_id>/reopen/", method="POST", roles={"supervisor"}, setup=_setup,
        url=_item_url("reopen/"), data=lambda w: {"reason": "r"}),
    Row("staff/rectify/items/<int:item_id>/evidence/<int:evidence_id>/", roles=VIEW, setup=_setup, ok=(200, 404),
        url=lambda w, inside: f"/staff/rectify/items/{w.r_item[_k(inside)].pk}/evidence/{w.r_evidence[_k(inside)].pk}/",
        note="the file itself is absent in the matrix: 404 after the scope check (file served in test_views.py)"),
    Row("staff/rectify/letters/", roles=VIEW, setup=_setup),
    Row("staff/rectify/letters/new/", method="POST", roles=MANAGE, setup=_setup,
        data=lambda w: {"kind": "supervision_letter", "issuer": w.county.pk, "recipient": w.r_auth_in.pk,
                        "number": "N-1", "issue": "i", "issued_on": "2026-04-01", "deadline": "2026-05-01"}),
    Row("staff/rectify/letters/export.<str:fmt>", roles=VIEW, setup=_setup,
        url=lambda w, inside: "/staff/rectify/letters/export.xlsx", scoped=False),
    Row("staff/rectify/letters/<int:letter_id>/", roles=VIEW, setup=_setup, url=_letter_url("")),
    Row("staff/rectify/letters/<int:letter_id>/answer/", method="POST", roles=ANSWER, setup=_setup,
        url=_letter_url("answer/"), data=lambda w: {"answered_on": "2026-04-10", "text": "t", "rectified": "yes"}),
    Row("staff/rectify/industries/", roles=VIEW, setup=_setup),
    Row("staff/rectify/industries/authorities/", method="POST", roles=MANAGE, setup=_setup,
        data=lambda w: {"unit": w.r_auth_in.pk, "industry": "transport"}),
    Row("staff/rectify/industries/transfers/", method="POST", roles=MANAGE, setup=_setup,
        data=lambda w: {"direction": "to", "authority": w.r_auth_in.pk, "clue": w.clue_in.public_id,
                        "on": str(timezone.localdate()), "industry": "natural_resources"}),
    Row("staff/rectify/industries/<str:code>/", roles=VIEW, setup=_setup, scoped=False,
        url=lambda w, inside: "/staff/rectify/industries/natural_resources/"),
    Row("staff/rectify/tasks/", roles=VIEW, setup=_setup),
    Row("staff/rectify/tasks/new/", method="POST", roles=MANAGE,
        data=lambda w: {"owner": w.county.pk, "year": "2026", "number": "3", "title": "t"}),
    Row("staff/rectify/tasks/export.<str:fmt>", roles=VIEW, setup=_setup,
        url=lambda w, inside: "/staff/rectify/tasks/export.csv", scoped=False),
    Row("staff/rectify/tasks/<int:task_id>/", roles=VIEW, setup=_setup, url=_task_url("")),
    Row("staff/rectify/tasks/<int:task_id>/milestones/", method="POST", roles=MANAGE, setup=_setup,
        url=_task_url("milestones/"), data=lambda w: {"title": "m2", "due": "2026-09-30"}),
    Row("staff/rectify/tasks/<int:task_id>/milestones/<int:milestone_id>/done/", method="POST", roles=MANAGE,
        setup=_setup, data=lambda w: {"done_on": "2026-03-01"},
        url=lambda w, inside: f"/staff/rectify/tasks/{w.r_task[_k(inside)].pk}/milestones/{w.r_ms[_k(inside)].pk}/done/"),
    Row("staff/rectify/tasks/<int:task_id>/indicators/", method="POST", roles=MANAGE, setup=_setup,
        url=_task_url("indicators/"), data=lambda w: {"metric": "case_rate", "op": "ge", "target": "10"}),
]
PUBLIC: list[str] = []
