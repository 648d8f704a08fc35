import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cluedesk.ledger.models import Event
from cluedesk.org.models import Division
from cluedesk.supervision import keyregions, rounds, stats
from cluedesk.supervision.models import KeyRegionVersion
from tests.org.factories import login_verified, make_division, make_staff, make_unit, world

from .helpers import move, new_clue

pytestmark = pytest.mark.django_db


def _country():
    """Changsha: many clues, most overdue; Guangzhou: few, all concluded."""
    nation = make_unit("N", "000000")
    cs = make_unit("Changsha", "430100", parent=nation)
    gz = make_unit("Guangzhou", "440100", parent=nation)
    user = make_staff("d", nation, "dispatcher", "supervisor")
    now = timezone.now()
    for _ in range(8):
        c = new_clue(make_division("430181"))
        move(c, "assigned", user=user, unit=cs, deadline=now - dt.timedelta(days=1), umbrella=True)
    c = new_clue(make_division("440113"))
    move(c, "concluded", user=user, unit=gz)
    make_division("430102")
    stats.rebuild(now)
    return user


def test_key_regions_are_computed_adjusted_and_versioned():
    user = _country()
    month = stats.month_of(timezone.now())
    v1 = keyregions.recompute(end=month, months=1)
    codes = set(v1.entries.values_list("division_id", flat=True))
    assert codes == {"430100"}                   # overdue share and umbrella share (and low rate)
    entry = v1.entries.get()
    assert {"overdue", "umbrella"} <= set(entry.reasons)
    v2 = keyregions.adjust(Division.objects.get(code="440100"), "add", user=user, reason="inspection found a gang")
    v3 = keyregions.adjust(Division.objects.get(code="430100"), "remove", user=user, reason="handled by the province")
    assert set(v2.entries.values_list("division_id", flat=True)) == {"430100", "440100"}
    assert set(v3.entries.values_list("division_id", flat=True)) == {"440100"}
    assert keyregions.diff(v3) == ([], ["长沙市"])
    assert [v.number for v in KeyRegionVersion.objects.all()] == [3, 2, 1]   # history kept
    assert Event.objects.filter(verb="keyregions.version").count() == 3
    with pytest.raises(keyregions.KeyRegionError):
        keyregions.adjust(Division.objects.get(code="440100"), "add", user=user, reason="  ")
    assert KeyRegionVersion.objects.count() == 3


def test_an_inspection_round_counts_what_was_handed_over_concluded_and_found():
    user = _country()
    province = make_unit("Hunan", "430000")
    county = make_unit("Liuyang", "430181")
    r = rounds.create_round(user=user, name="Round 1", division=make_division("430000"),
                            starts="2026-03-01", ends="2026-03-20")
    team = rounds.add_team(r, user=user, name="Team A", leader="Li", divisions=[make_division("430181")])
    with pytest.raises(rounds.RoundError, match="outside"):
        rounds.add_team(r, user=user, name="Team B", divisions=[make_division("440113")])
    a = new_clue(make_division("430181"))
    b = new_clue(make_division("430181"))
    rounds.hand_over(r, user=user, team=team, clue=a, unit=county, days=30)
    rounds.hand_over(r, user=user, team=team, clue=b, unit=province, days=10)
    with pytest.raises(rounds.RoundError, match="already"):
        rounds.hand_over(r, user=user, team=team, clue=b, unit=province, days=10)
    with pytest.raises(rounds.RoundError, match="between"):
        rounds.hand_over(r, user=user, team=team, clue=a, unit=county, days=0)
    far = new_clue(make_division("440113"))
    with pytest.raises(rounds.RoundError, match="outside"):
        rounds.hand_over(r, user=user, team=team, clue=far, unit=county, days=5)
    move(a, "concluded", user=user, unit=county, outcome="criminal_case")
    report = rounds.report(r, today=timezone.localdate() + dt.timedelta(days=15))
    assert (report.handed_over, report.concluded, report.cases, report.overdue) == (2, 1, 1, 1)
    with pytest.raises(rounds.RoundError, match="ends before"):
        rounds.create_round(user=user, name="x", division=make_division("430000"), starts="2026-03-02",
                            ends="2026-03-01")
    with pytest.raises(rounds.RoundError, match="date"):
        rounds.create_round(user=user, name="x", division=make_division("430000"), starts="soon", ends="2026-03-01")


def test_round_pages_for_a_county_supervisor():
    w = world()
    client = login_verified(Client(), w.staff["supervisor"])
    response = client.post("/staff/supervision/rounds/new/", {"name": "Spring", "division": "430181",
                                                              "starts": "2026-04-01", "ends": "2026-04-10"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Spring" in page.content.decode()
    # a round outside its county: refused as not found, nothing written
    assert client.post("/staff/supervision/rounds/new/", {"name": "x", "division": "430102", "starts": "2026-04-01",
                                                          "ends": "2026-04-10"}).status_code == 404
    assert client.get("/staff/supervision/key-regions/").status_code == 200
