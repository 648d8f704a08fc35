"""Triage keeps names, phones and dates only as keyed labels, and compares them under the key in force."""

from __future__ import annotations

import os

import pytest

from cluedesk.intake import services as intake
from cluedesk.ledger.services import Actor
from cluedesk.triage import engine
from cluedesk.triage.models import ReportIndex
from cluedesk.vault import content
from tests.queue import run_queue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _models(shipped_models: None) -> None:
    """The shipped models (tests/triage/conftest.py)."""


def test_the_index_holds_no_name_phone_or_date_in_clear() -> None:
    report, _ = intake.submit_report(text="2025年3月，王某某在城关镇开设赌场，电话13812345678，放贷五万元。",
                                     channel="web", actor=Actor.reporter())
    run_queue()
    stored = ReportIndex.objects.get(report_id=report.pk).entities
    values = [v for vs in stored.values() for v in vs]
    assert values and all(v.startswith(("k:", "d:")) for v in values)
    assert not any(word in str(stored) for word in ("王某某", "13812345678", "2025", "城关"))


def test_name_counts_follow_the_index_key_in_force() -> None:
    model = engine.pair_model()
    if model.names is None or not model.names.counts:
        pytest.skip("the shipped pair model has no name counts")
    name, n = next(iter(model.names.counts.items()))
    assert engine.keyed_pair_model().names.counts[content.keyed_label(name)] == n
    os.environ["CLUEDESK_INDEX_KEY"] = "22" * 32
    content.forget_keys()
    try:
        assert engine.keyed_pair_model().names.counts[content.keyed_label(name)] == n
    finally:
        del os.environ["CLUEDESK_INDEX_KEY"]
        content.forget_keys()
