"""Demo data for the records app (called by cluedesk.demo.seed.seed_demo_people): one concluded clue
closed long ago, so the retention page shows something due, and one legal hold. The statistics
facts are rebuilt at the end so /statistics/ shows the demo figures at once."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from cluedesk.clues.models import Clue
from cluedesk.org.models import Membership
from cluedesk.records import policy, services
from cluedesk.supervision import stats


def seed_demo(rng: random.Random) -> list[str]:
    lines: list[str] = []
    try:
        periods = policy.periods_in_force()[1]
    except policy.RetentionError:
        periods = {}
    # clues whose outcome has a period (a kept one, e.g. a criminal case, is never due)
    closed = [Clue.objects.get(pk=c.clue_id) for c in policy.candidates(periods) if c.days is not None]
    custodian_pk = Membership.objects.filter(role="custodian").order_by("pk").values_list("user_id", flat=True).first()
    custodian = get_user_model().objects.filter(pk=custodian_pk).first() if custodian_pk is not None else None
    if closed:
        old = closed[0]
        # closed eleven years ago: past every profile's period for its outcome, unless it is kept
        Clue.objects.filter(pk=old.pk).update(concluded_at=timezone.now() - dt.timedelta(days=4015))
        lines.append(f"Records: clue {old.public_id} is shown as due for purging at /staff/records/.")
    if len(closed) > 1 and custodian is not None:
        held = closed[-1]
        services.place_hold(held, reason="民事诉讼尚未审结，法院要求保全（演示）", user=custodian)
        lines.append(f"Records: clue {held.public_id} is under a legal hold.")
    stats.rebuild(timezone.now() + stats.REPORT_SETTLE)
    return lines
