"""The seeds' figures come out of the calibrated data through the dashboard's own functions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from cluedesk.cases import figures, panels
from cluedesk.cases.models import CaseStage, Fugitive, MajorCase, Official, UmbrellaCase
from cluedesk.demo import cases as demo
from cluedesk.ledger.services import verify
from cluedesk.org.models import ROOT_CODE, Division

pytestmark = pytest.mark.django_db
START, END = dt.date(2025, 7, 1), dt.date(2025, 12, 1)


@pytest.fixture
def calibrated(org_world):
    line = demo.seed_calibrated(seed=2026, scale=1.0, end_month=END)
    assert line and "2257 umbrella" in line
    return org_world


def test_calibrated_figures_are_the_seeds(calibrated):
    nation = Division.objects.get(code=ROOT_CODE)
    u = figures.umbrella(nation, START, END)
    assert (u.cases, u.sanctioned, u.transferred) == (2257, 2426, 226)
    fug = figures.fugitives(nation, START, END)
    assert (fug.at_start, fug.added, fug.caught) == (680, 150, 712)
    assert round(fug.arrest_rate * 100, 1) == 85.8
    ctx = panels.panel_context(nation, START, END)  # what the dashboard panel shows
    assert ctx["rate"] == 85.8 and ctx["umbrella"].cases == 2257
    stages = dict((v, n) for v, _label, n in ctx["stages"])
    assert sum(stages.values()) == 51
    assert stages["investigation"] == 41
    assert stages["review"] + stages["prosecution"] + stages["trial"] == 10


def test_figures_roll_up_by_division(calibrated):
    nation = Division.objects.get(code=ROOT_CODE)
    parts = [figures.umbrella(d, START, END) for d in Division.objects.filter(level=1)]
    assert sum(p.cases for p in parts) == 2257 and sum(p.transferred for p in parts) == 226
    # the half-year before holds none of it (targets at the start are counted, nothing caught)
    earlier = figures.umbrella(nation, dt.date(2025, 1, 1), dt.date(2025, 6, 1))
    assert earlier.cases == 0 and earlier.sanctioned == 0


def test_calibrated_rows_keep_the_rules(calibrated):
    assert not Fugitive.objects.filter(status_on__lt=F("listed_on")).exists()
    assert not Fugitive.objects.filter(listed_on__lt=F("at_large_since")).exists()
    assert not Official.objects.filter(discipline_on__lt=F("case__opened_on")).exists()
    assert not Official.objects.filter(transferred_on__lt=F("case__opened_on")).exists()
    assert not CaseStage.objects.filter(completed_on__lt=F("started_on")).exists()
    assert not CaseStage.objects.filter(started_on__lt=F("case__opened_on")).exists()
    assert MajorCase.objects.values("number").distinct().count() == MajorCase.objects.count()
    assert UmbrellaCase.objects.filter(opened_on__gte=START).count() == 2257
    assert verify().ok


def test_scale_multiplies_the_counts(org_world):
    demo.seed_calibrated(seed=7, scale=0.1, end_month=END)
    nation = Division.objects.get(code=ROOT_CODE)
    u = figures.umbrella(nation, START, END)
    fug = figures.fugitives(nation, START, END)
    assert (u.cases, u.sanctioned, u.transferred) == (226, 243, 23)
    assert (fug.at_start, fug.added, fug.caught) == (68, 15, 71)


def test_arrest_rate_definition():
    f = figures.FugitiveFigures(at_start=680, added=150, caught=712, at_large=118)
    assert f.targets == 830 and round(f.arrest_rate, 3) == 0.858
    assert figures.FugitiveFigures(0, 0, 0, 0).arrest_rate is None
