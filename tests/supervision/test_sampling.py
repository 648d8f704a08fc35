import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cluedesk.ledger.models import Event
from cluedesk.supervision import services
from cluedesk.supervision.models import SampleItem, SampleMonth
from tests.org.factories import make_division, make_staff, make_unit

from .helpers import move, new_clue

pytestmark = pytest.mark.django_db


@pytest.fixture
def concluded():
    """Twelve clues concluded in March 2026 in two provinces."""
    nation = make_unit("N", "000000")
    units = {c: make_unit(f"U{c}", c, parent=nation) for c in ("430181", "440113")}
    user = make_staff("d", nation, "dispatcher", "auditor")
    at = timezone.make_aware(dt.datetime(2026, 3, 15, 10))
    clues = []
    for i in range(12):
        code = "430181" if i % 3 else "440113"
        clue = new_clue(make_division(code), created=at - dt.timedelta(days=20))
        clues.append(move(clue, "concluded", user=user, unit=units[code], concluded_at=at))
    return clues, user


def test_the_draw_is_committed_in_advance_and_anyone_can_recompute_it(concluded, capsys):
    month = dt.date(2026, 3, 1)
    sample = services.commit_seed(month, per_division=3, level=1)
    commit_ev = Event.objects.get(verb="sample.commit")
    assert commit_ev.data["seed_hash"] == sample.seed_hash and sample.seed not in str(commit_ev.data)
    with pytest.raises(services.SupervisionError, match="not ended"):
        services.draw(month, now=timezone.make_aware(dt.datetime(2026, 3, 20)))
    drawn = services.draw(month, now=timezone.make_aware(dt.datetime(2026, 4, 1, 9)))
    assert drawn.items.count() == 6   # three in each province
    assert set(drawn.items.values_list("group_id", flat=True)) == {"430000", "440000"}
    # deterministic: the same seed over the same population picks the same clues
    again = services.select(drawn.seed, drawn.population, 3)
    assert [p[0] for p in again] == list(Event.objects.get(verb="sample.draw").data["picked"])
    call_command("sample", "verify", "2026-03")
    assert "verified" in capsys.readouterr().out


def test_verify_fails_when_the_recorded_sample_was_altered(concluded):
    clues, _user = concluded
    month = dt.date(2026, 3, 1)
    services.commit_seed(month, per_division=3, level=1)
    sample = services.draw(month, now=timezone.make_aware(dt.datetime(2026, 4, 2)))
    picked = set(sample.items.values_list("clue_id", flat=True))
    other = next(c for c in clues if c.pk not in picked and c.division_id == "430181")
    item = sample.items.filter(group_id="430000").first()
    SampleItem.objects.filter(pk=item.pk).update(clue=other)
    report = services.verify_sample(month)
    assert not report.ok
    with pytest.raises(CommandError, match="does NOT verify"):
        call_command("sample", "verify", "2026-03")


def test_verify_fails_when_the_seed_does_not_match_the_published_hash(concluded):
    month = dt.date(2026, 3, 1)
    services.commit_seed(month)
    services.draw(month, now=timezone.make_aware(dt.datetime(2026, 4, 2)))
    SampleMonth.objects.filter(month=month).update(seed="0" * 64)
    # the ledger still holds the revealed seed and the published hash, so those agree; the
    # stored population is what a forger would change:
    SampleMonth.objects.filter(month=month).update(population=[["CFAKE", "430000"]])
    assert not services.verify_sample(month).ok


def test_no_draw_without_a_committed_seed_and_bad_months_are_refused(concluded):
    with pytest.raises(services.SupervisionError, match="No seed"):
        services.draw(dt.date(2026, 3, 1), now=timezone.make_aware(dt.datetime(2026, 4, 2)))
    with pytest.raises(CommandError, match="YEAR-MONTH"):
        call_command("sample", "verify", "March")


def test_an_auditor_records_whether_a_conclusion_held_up(concluded):
    _clues, auditor = concluded
    month = dt.date(2026, 3, 1)
    services.commit_seed(month)
    sample = services.draw(month, now=timezone.make_aware(dt.datetime(2026, 4, 2)))
    item = sample.items.first()
    with pytest.raises(services.SupervisionError, match="did not hold up"):
        services.record_check(item, acting_user=auditor, held_up="no", note="")
    with pytest.raises(services.SupervisionError):
        services.record_check(item, acting_user=auditor, held_up="maybe")
    item.refresh_from_db()
    assert item.held_up is None and item.checked_by is None
    n = Event.objects.count()
    services.record_check(item, acting_user=auditor, held_up="no", note="the gang still runs the market")
    services.record_check(item, acting_user=auditor, held_up="no", note="the gang still runs the market")
    assert Event.objects.count() == n + 1
    item.refresh_from_db()
    assert item.held_up is False and item.checked_by == auditor
