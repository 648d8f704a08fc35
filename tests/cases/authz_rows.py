"""Authorization matrix rows for cluedesk.cases (see tests/authz.py).

Readers: dispatcher, verifier, the three signatories, supervisor, auditor, admin. Writers:
dispatcher, supervisor, admin. Out of scope (the sibling county's rows) → 404.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.authz import Row

READ = {"dispatcher", "verifier", "signatory_1", "signatory_2", "signatory_3", "supervisor", "auditor", "admin"}
WRITE = {"dispatcher", "supervisor", "admin"}
OK = (200, 302, 303)


def _registers(w):
    from cluedesk.cases.models import Fugitive, MajorCase, UmbrellaCase

    now = timezone.now()
    day = dt.date(2026, 1, 5)
    for attr, unit, n in (("in", w.county, 1), ("out", w.other_county, 2)):
        division = unit.division
        case = MajorCase.objects.create(number=f"{division.code}-2026-9{n:03d}", title="t", division=division,
                                        opened_on=day, created_at=now, updated_at=now)
        inv = UmbrellaCase.objects.create(number=f"{division.code}-2026-U9{n:03d}", title="u", division=division,
                                          opened_on=day, created_at=now)
        person = Fugitive.objects.create(number=f"{division.code}-2026-F9{n:03d}", case=case, division=division,
                                         name="f", at_large_since=day, listed_on=day, created_at=now)
        setattr(w, f"case_{attr}", case)
        setattr(w, f"umbrella_{attr}", inv)
        setattr(w, f"fugitive_{attr}", person)


def _pick(name, path):
    return lambda w, inside: path.format(getattr(w, f"{name}_{'in' if inside else 'out'}").pk)


def _today():
    return timezone.localdate().isoformat()


ROWS = [
    Row("staff/cases/", roles=READ),
    Row("staff/cases/export/<str:fmt>/", roles=READ, url=lambda w, inside: "/staff/cases/export/csv/", scoped=False),
    Row("staff/cases/new/", roles=WRITE),
    Row("staff/cases/new/", method="POST", roles=WRITE, ok=OK,
        data=lambda w: {"title": "浏阳案", "division": w.county.division.code, "opened_on": "2026-01-02",
                        "level": "city"}),
    Row("staff/cases/<int:pk>/", roles=READ, setup=_registers, url=_pick("case", "/staff/cases/{}/")),
    Row("staff/cases/<int:pk>/act/<str:verb>/", method="POST", roles=WRITE, setup=_registers, ok=OK,
        url=_pick("case", "/staff/cases/{}/act/stage/"),
        data=lambda w: {"stage": "investigation", "started_on": "2026-01-06"}),
    Row("staff/cases/umbrella/", roles=READ),
    Row("staff/cases/umbrella/export/<str:fmt>/", roles=READ, scoped=False,
        url=lambda w, inside: "/staff/cases/umbrella/export/xlsx/"),
    Row("staff/cases/umbrella/new/", roles=WRITE),
    Row("staff/cases/umbrella/<int:pk>/", roles=READ, setup=_registers, url=_pick("umbrella", "/staff/cases/umbrella/{}/")),
    Row("staff/cases/umbrella/<int:pk>/act/<str:verb>/", method="POST", roles=WRITE, setup=_registers, ok=OK,
        url=_pick("umbrella", "/staff/cases/umbrella/{}/act/official/"),
        data=lambda w: {"name": "赵某", "position": "所长", "organisation": "派出所"}),
    Row("staff/cases/fugitives/", roles=READ),
    Row("staff/cases/fugitives/export/<str:fmt>/", roles=READ, scoped=False,
        url=lambda w, inside: "/staff/cases/fugitives/export/csv/"),
    Row("staff/cases/fugitives/new/", roles=WRITE),
    Row("staff/cases/fugitives/<int:pk>/", roles=READ, setup=_registers,
        url=_pick("fugitive", "/staff/cases/fugitives/{}/")),
    Row("staff/cases/fugitives/<int:pk>/status/", method="POST", roles=WRITE, setup=_registers, ok=OK,
        url=_pick("fugitive", "/staff/cases/fugitives/{}/status/"),
        data=lambda w: {"status": "arrested", "on": "2026-01-10"}),
]
PUBLIC: list[str] = []
