import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client

from cluedesk.clues.models import Clue
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from cluedesk.org.models import Division
from cluedesk.supervision import bulletins, stats
from tests.org.factories import login_verified, make_division, make_staff, make_unit

pytestmark = pytest.mark.django_db


def test_calibrated_demo_figures_are_computed_from_the_data(capsys):
    for code in ("430181", "430102", "440113"):
        make_division(code)
    nation = make_unit("National office", "000000")
    call_command("seed-demo", "--calibrated", "--scale", "0.05", "--end-month", "2026-06")
    out = capsys.readouterr().out
    assert "255 valid" in out
    # what the data holds
    assert Report.objects.count() == 5000
    assert Clue.objects.filter(state__in=stats.VALID_STATES).count() == 255
    assert Clue.objects.filter(state__in=stats.DISPATCHED_STATES).count() == 255   # all dispatched
    # what the facts say, read the way the bulletin reads them
    data = bulletins.build(Division.objects.get(code="000000"), dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    t = data.total
    assert (t.reports, t.valid, t.dispatched, t.concluded, t.cases) == (5000, 255, 255, 117, 18)
    assert round(t.case_rate * 100, 1) == 15.4   # 18/117 at this scale; 357/2333 = 15.3% at full scale
    # imported in bulk, with one ledger event per batch and a valid chain
    assert Event.objects.filter(verb="demo.import").exists()
    assert verify().ok
    boss = make_staff("boss", nation, "supervisor")
    page = login_verified(Client(), boss).get("/staff/supervision/?from=2026-01&to=2026-06")
    assert "5000" in page.content.decode()


def test_bad_scale_is_refused():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="scale"):
        call_command("seed-demo", "--calibrated", "--scale", "0")
