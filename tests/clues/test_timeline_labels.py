"""The clue page's timeline names every event in the reader's language: each verb that any app
records on a clue or a report has a label (a raw code like ``compliance.clock_missed`` on the
page is a bug)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

import cluedesk
from cluedesk.clues import workflow
from cluedesk.clues.models import Clue
from cluedesk.ledger.services import Actor, record
from cluedesk.platform.registry import registry
from tests.clues.conftest import login_verified

CALL = re.compile(r'record\(\s*(?:"([a-z_]+\.[a-z_]+)"|"([a-z_]+\.[a-z_]+)" if [^)]*? else "([a-z_]+\.[a-z_]+)")'
                  r'(.{0,200}?)subject_type="(clue|report)"', re.S)


def _recorded_on_clues_and_reports() -> set[str]:
    verbs: set[str] = set()
    for path in Path(cluedesk.__file__).parent.rglob("*.py"):
        for m in CALL.finditer(path.read_text(encoding="utf-8")):
            verbs |= {v for v in m.groups()[:3] if v}
    return verbs


def test_every_verb_recorded_on_a_clue_or_report_has_a_label() -> None:
    verbs = _recorded_on_clues_and_reports()
    assert {"compliance.clock_missed", "records.purged", "supervision.escalate", "report.submitted"} <= verbs
    # every app registers its labels in the registry store "event_labels" (triage's included)
    known = set(registry["event_labels"]) | {f"clue.{v}" for v in workflow.VERB_LABELS}
    assert verbs - known == set()


@pytest.mark.django_db
def test_the_timeline_shows_labels_not_codes(world) -> None:
    clue = world.clue()
    with transaction.atomic():
        for verb in ("compliance.clock_missed", "records.hold_placed", "supervision.escalate"):
            record(verb, actor=Actor.system("test"), subject_type="clue", subject_id=clue.public_id, data={})
    html = login_verified(Client(), world.reviewer).get(f"/staff/clues/{clue.public_id}/",
                                                        HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    assert "compliance." not in timeline and "records." not in timeline and "supervision." not in timeline
    assert "督办升级" in timeline and "已设置法律保全" in timeline
    assert Clue.objects.count() == 1
