"""Demo data for the compliance app (called by cluedesk.demo.seed.seed_demo_people).

Chooses the national profile, then makes a few months of clocked reports in the demo units: some
acknowledged and answered in time, some late, some overdue now, one extended; runs the clocks job
(reminders and escalations to the units); and keeps one phone report with minutes for the
reporter to check, printing its tracking code.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cluedesk.compliance import clocks, services
from cluedesk.compliance.models import ReportClock
from cluedesk.deployment.models import Deployment
from cluedesk.deployment.services import set_profile
from cluedesk.intake import services as intake
from cluedesk.intake import tracking
from cluedesk.intake.models import Message, PublicStep, Report
from cluedesk.ledger.services import Actor
from cluedesk.triage.services import triage_waiting

PLACES = ["湖南省长沙市浏阳市", "湖南省岳阳市平江县", "广东省广州市番禺区", "湖南省长沙市", "广东省深圳市"]
TEXT = "{place}有一伙人长期在菜市场收取“管理费”，不交就砸摊打人，已有多名摊主被打伤。演示举报 {n}。"
MINUTES = ("来电人称：{place}菜市场有一伙人每月向每个摊位收取三百元“管理费”，带头的人外号“老三”。"
           "上月拒交的两名摊主被打伤住院。来电人愿意在核查时提供当时在场摊主的名单。")


def _backdate(report_id: int, received: dt.datetime) -> None:
    Report.objects.filter(pk=report_id).update(created_at=received)


def _answer(report, received: dt.datetime, ack_after: float | None, fb_after: float | None, staff) -> None:  # type: ignore[no-untyped-def]
    """Backdated staff message (acknowledgment) and a "being verified" step (feedback)."""
    if ack_after is not None:
        m = intake.post_staff_message(report, "您的举报已收到，我们将依法核查。", acting_user=staff)
        Message.objects.filter(pk=m.pk).update(created_at=received + dt.timedelta(days=ack_after))
    if fb_after is not None:
        s = intake.record_public_step(kind="verifying", outcome="Your report has been handed to an office for verification.", report=report,
                                        acting_user=staff)
        PublicStep.objects.filter(pk=s.pk).update(created_at=received + dt.timedelta(days=fb_after))


def seed_demo(rng: random.Random) -> list[str]:
    now = timezone.now()
    start = now - dt.timedelta(days=150)
    set_profile("national_anti_gang", {}, actor=Actor.system("demo"))
    Deployment.objects.filter(pk=1).update(clocks_from=start)  # the demo's backdated reports are clocked
    Deployment.forget_cached()
    staff = get_user_model().objects.filter(username="liuyang-intake").first() or \
        get_user_model().objects.order_by("pk").first()
    if staff is None:
        return []
    # (days ago received, acknowledged after, feedback after): None = not yet
    plan: list[tuple[float, float | None, float | None]] = []
    for _ in range(26):
        age = rng.uniform(2, 140)
        r = rng.random()
        if r < 0.55:
            plan.append((age, rng.uniform(0.2, 10), rng.uniform(20, 60) if age > 30 else None))
        elif r < 0.7:
            plan.append((age, rng.uniform(16, 25), rng.uniform(60, 100) if age > 100 else None))
        elif r < 0.85:
            plan.append((age, None, None))
        else:
            plan.append((age, rng.uniform(1, 5), None))
    made = 0
    for n, (age, ack, fb) in enumerate(plan, start=1):
        place = rng.choice(PLACES)
        received = now - dt.timedelta(days=age)
        report, _code = intake.submit_report(text=TEXT.format(place=place, n=n), place_text=place, channel="web",
                                             actor=Actor.reporter())
        _backdate(report.pk, received)
        _answer(report, received, ack if ack is None or ack < age else None, fb if fb is None or fb < age else None,
                staff)
        made += 1
    # a phone report with minutes, for the reporter's check
    place = PLACES[0]
    with transaction.atomic():
        report, code = intake.submit_report(text=TEXT.format(place=place, n="电话"), place_text=place,
                                            channel="phone", actor=Actor.staff(staff), entered_by=staff)
        services.record_oral(report, kind="minutes", minutes=MINUTES.format(place=place), acting_user=staff)
    _backdate(report.pk, now - dt.timedelta(days=1))
    triage_waiting()  # the clocks name each report's clue and its unit
    result = clocks.run(now)
    overdue = [c for c in ReportClock.objects.filter(feedback_at__isnull=True, feedback_due__isnull=False)
               .order_by("received_at")[:1]]
    for c in overdue:
        services.extend_feedback(c, "涉案人员较多、需异地调取证据，依规延长答复期限。", acting_user=staff, now=now)

    return [f"Compliance: national profile; {made} clocked demo reports ({result['reminded']} reminders, "
            f"{result['escalated']} escalations).",
            f"Demo phone report with minutes to check at /track/: {tracking.display(code)}"]
