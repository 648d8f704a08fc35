"""A small world for the rectification registers: the org world of tests/org/factories.py plus an
industry authority with a liaison in each county, a procuratorate and a round over the city."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace

from django.utils import timezone

from cluedesk.ledger.models import Event
from cluedesk.org.models import Unit
from cluedesk.rectify.models import (
    Feedback,
    IndustryAuthority,
    ItemEvidence,
    KeyTask,
    Letter,
    Milestone,
    ProblemItem,
    Transfer,
)
from cluedesk.supervision.models import InspectionRound
from tests.org.factories import make_staff, make_unit, world

TODAY = dt.date(2026, 6, 15)


def rectify_world() -> SimpleNamespace:
    w = world()
    ns = SimpleNamespace(w=w, today=TODAY)
    ns.authority = make_unit("浏阳市自然资源局", "430181", type=Unit.Type.INDUSTRY)
    IndustryAuthority.objects.create(unit=ns.authority, industry="natural_resources")
    ns.other_authority = make_unit("芙蓉区住建局", "430102", type=Unit.Type.INDUSTRY)
    IndustryAuthority.objects.create(unit=ns.other_authority, industry="construction")
    ns.liaison = make_staff("natres-liaison", ns.authority, "industry_liaison")
    ns.other_liaison = make_staff("furong-build-liaison", ns.other_authority, "industry_liaison")
    ns.procuratorate = make_unit("浏阳市人民检察院", "430181", type=Unit.Type.PROCURATORATE)
    ns.supervisor = make_staff("city-supervisor", w.city, "supervisor")
    ns.other_supervisor = make_staff("city-supervisor-2", w.city, "supervisor")
    ns.round = InspectionRound.objects.create(name="第三批特派督导", division=w.city.division,
                                              starts=dt.date(2026, 3, 1), ends=dt.date(2026, 3, 20),
                                              created_by=ns.supervisor, created_at=timezone.now())
    return ns


MODELS = [ProblemItem, ItemEvidence, Letter, Feedback, Transfer, KeyTask, Milestone, IndustryAuthority, Event]


@contextlib.contextmanager
def nothing_written() -> Iterator[None]:
    before = [m.objects.count() for m in MODELS]
    yield
    assert [m.objects.count() for m in MODELS] == before, "a refused act wrote something"
