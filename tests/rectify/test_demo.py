"""Demo data: the calibrated half-year gives the seeds' figures back through the dashboard's own
functions; the plain demo fills every register through the services."""

import datetime as dt
import random

import pytest
from django.test import Client

from cluedesk.demo import rectify as demo
from cluedesk.demo.org import seed_org
from cluedesk.ledger.services import verify
from cluedesk.org.models import Division
from cluedesk.rectify import panels
from cluedesk.rectify.models import KeyTask, Letter, ProblemItem
from tests.org.factories import login_verified, make_division, make_staff, make_unit

pytestmark = pytest.mark.django_db


def test_calibrated_registers_give_the_seeds_figures_on_the_dashboard():
    for code in ("430181", "440113"):
        make_division(code)
    nation = make_unit("National office", "000000")
    line = demo.seed_calibrated(seed=2026, scale=1.0, end_month=dt.date(2026, 6, 1))
    assert "402 special-supervision items" in line and "8177 letters" in line
    root = Division.objects.get(code="000000")
    f = panels.panel_figures(root, dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    assert (f.items.verified, f.items.total, f.items.done) == (402, 402, True)
    assert f.letters.issued == 8177
    assert round(f.letters.rate * 100, 1) == 89.7          # "nearly 90%"
    assert f.letters.answered >= f.letters.rectified
    assert {r.industry for r in f.letters.by_industry} == {"information_network", "natural_resources", "transport",
                                                           "construction"}
    assert sum(r.issued for r in f.letters.by_industry) == 8177
    assert f.task_count == 10 and f.task_progress is not None
    # a province sees its share only
    hunan = Division.objects.get(code="430000")
    part = panels.panel_figures(hunan, dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    assert 0 < part.letters.issued < 8177 and part.items.total == part.items.verified > 0
    assert verify().ok
    # idempotent: a second run adds nothing
    assert "already loaded" in demo.seed_calibrated(seed=2026, scale=1.0, end_month=dt.date(2026, 6, 1))
    assert Letter.objects.count() == 8177
    # the supervision dashboard renders the panel
    boss = make_staff("boss", nation, "supervisor")
    page = login_verified(Client(), boss).get("/staff/supervision/?from=2026-01&to=2026-06").content.decode()
    assert "402 / 402" in page and "8177" in page and "89.7%" in page


def test_scale_multiplies_the_counts():
    make_division("430181")
    make_unit("National office", "000000")
    demo.seed_calibrated(seed=1, scale=0.1, end_month=dt.date(2026, 6, 1))
    assert ProblemItem.objects.count() == 40 and Letter.objects.count() == 818
    assert ProblemItem.objects.exclude(status="verified").count() == 0


def test_plain_demo_fills_every_register(settings):
    seed_org(random.Random(1))
    lines = demo.seed_demo(random.Random(1))
    assert any("hunan-natres-liaison" in x for x in lines)
    assert ProblemItem.objects.filter(status="verified").count() == 1
    assert ProblemItem.objects.filter(status="submitted").count() == 1
    assert Letter.objects.filter(status="rectified").count() == 1
    assert KeyTask.objects.count() == 4
    assert demo.seed_demo(random.Random(1)) == ["rectify: demo registers already loaded"]
