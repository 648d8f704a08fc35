import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from cluedesk.supervision import services
from cluedesk.supervision.models import Notification, SupervisionItem
from tests.org.factories import make_division, make_staff, make_unit

from .helpers import add_report, move, new_clue

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    nation = make_unit("National office", "000000")
    province = make_unit("Hunan office", "430000", parent=nation)
    city = make_unit("Changsha office", "430100", parent=province)
    county = make_unit("Liuyang office", "430181", parent=city)
    sibling = make_unit("Furong office", "430102", parent=city)
    boss = make_staff("city-supervisor", city, "supervisor")
    boss.email = "boss@example.org"
    boss.save()
    verifier = make_staff("liuyang-verifier", county, "verifier")
    verifier.email = "v@example.org"
    verifier.save()
    dispatcher = make_staff("dispatcher", county, "dispatcher")
    return {"county": county, "city": city, "sibling": sibling, "boss": boss, "dispatcher": dispatcher}


def test_an_overdue_clue_is_escalated_once_with_a_ledger_event_a_notice_and_mail(
        org, django_capture_on_commit_callbacks):
    now = timezone.now()
    clue = new_clue(make_division("430181"))
    move(clue, "verifying", user=org["dispatcher"], unit=org["county"], deadline=now - dt.timedelta(days=2))
    before = Event.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.scan(now)
    assert [(i.flag, i.action) for i in result.escalated] == [("overdue", "upgrade")]
    item = result.escalated[0]
    assert item.target_unit == org["city"]           # the level above
    assert item.supervisor == org["boss"]            # a named supervisor tracks it
    assert Event.objects.count() == before + 1
    ev = Event.objects.order_by("-seq").first()
    assert ev.verb == "supervision.escalate" and ev.subject_id == clue.public_id
    assert set(Notification.objects.values_list("unit_id", flat=True)) == {org["county"].pk, org["city"].pk}
    assert len(mail.outbox) == 1 and {"boss@example.org", "v@example.org"} <= set(mail.outbox[0].to)
    # the next scan repeats nothing
    assert services.scan(now).escalated == []
    assert Event.objects.count() == before + 1
    assert verify().ok


def test_flags_repeated_umbrella_long_open_and_repeat_after_conclusion(org, settings):
    settings.CLUEDESK_SUPERVISION_POLICY = {"long_open_days": 30, "repeat_reports": 3}
    now = timezone.now()
    repeated = new_clue(make_division("430181"), reports=3)
    move(repeated, "screened", user=org["dispatcher"])
    umbrella = new_clue(make_division("430181"))
    move(umbrella, "screened", user=org["dispatcher"], umbrella=True)
    old = new_clue(make_division("430181"), created=now - dt.timedelta(days=40))
    move(old, "verifying", user=org["dispatcher"], unit=org["county"], deadline=now + dt.timedelta(days=5))
    done = new_clue(make_division("430181"))
    move(done, "concluded", user=org["dispatcher"], unit=org["county"], concluded_at=now - dt.timedelta(days=3))
    add_report(done, at=now - dt.timedelta(days=1))
    flags = {(i.clue_id, i.flag): i for i in services.scan(now).escalated}
    assert flags[(repeated.pk, "repeated")].action == "offsite"
    assert flags[(repeated.pk, "repeated")].target_unit == org["sibling"]
    assert flags[(umbrella.pk, "umbrella")].action == "upgrade"
    assert flags[(old.pk, "long_open")].action == "track"
    assert flags[(done.pk, "repeat_after")].action == "track"
    assert len(flags) == 4


def test_an_item_is_closed_when_the_clue_no_longer_meets_the_flag(org):
    now = timezone.now()
    clue = new_clue(make_division("430181"))
    move(clue, "verifying", user=org["dispatcher"], unit=org["county"], deadline=now - dt.timedelta(days=2))
    services.scan(now)
    move(clue, "concluded", user=org["dispatcher"])
    result = services.scan(now)
    assert result.closed == 1
    assert SupervisionItem.objects.get(clue=clue).status == "closed"
    assert Event.objects.order_by("-seq").first().verb == "supervision.close"
