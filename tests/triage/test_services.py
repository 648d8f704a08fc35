"""Triage in the database: attach or open, and the staff verbs with their ledger events."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from cluedesk.clues import services as clue_services
from cluedesk.clues.models import Clue
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.triage import engine
from cluedesk.triage.models import ClueTriage, LabelCorrection, PairLabel, ReportIndex
from cluedesk.triage.routing import suggest_unit
from cluedesk.triage.services import (
    TriageError,
    attach_or_open,
    correct_labels,
    similar_clues,
    split_report,
)

pytestmark = pytest.mark.django_db

ORIGINAL = ("2015年3月22日晚11时许，王某与妻子等人在浏阳市集里街道零点酒吧大厅内娱乐，因琐事王某与被害人金某发生争执，"
            "后王某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人金某的左脸，致使被害人金某受伤。经浏阳市公安局法医学鉴定，"
            "被害人金某所受损伤属轻伤。")
RE_REPORT = ("希望有关部门查一查，2015年3月22日晚，王某与妻子等人在浏阳市集里街道零点酒吧大厅内娱乐，因琐事王某与被害人金某"
             "发生争执，后王某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人金某的左脸，致使被害人金某受伤。请尽快调查！")
TWIN = ("2008年4月23日晚11时许，袁某与妻子等人在浏阳市淮川街道零点酒吧大厅内娱乐，因琐事袁某与被害人游某发生争执，"
        "后袁某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人游某的左脸，致使被害人游某受伤。经浏阳市公安局法医学鉴定，"
        "被害人游某所受损伤属轻伤。")


@pytest.fixture(autouse=True)
def _models(shipped_models: None) -> None:
    """The shipped same-matter model, no charge model (tests/triage/conftest.py)."""


def submit(text: str, **fields: Any) -> tuple[Report, Clue, dict[str, Any]]:
    """What intake does: create the report, attach or open, set the clue."""
    from django.db import transaction

    with transaction.atomic():
        report = Report.objects.create(tracking_hash=secrets.token_hex(16), channel="web", text=text, **fields)
        clue, decision = attach_or_open(report)
        report.clue = clue
        report.save(update_fields=["clue"])
    return report, clue, decision


def test_a_re_report_attaches_to_the_open_clue() -> None:
    _r1, first, d1 = submit(ORIGINAL)
    _r2, second, d2 = submit(RE_REPORT)
    assert d1["decision"] == "opened" and d2["decision"] == "attached"
    assert second.pk == first.pk
    first.refresh_from_db()
    assert first.report_count == 2
    assert ReportIndex.objects.filter(clue=first).count() == 2


def test_a_twin_with_other_people_and_dates_opens_its_own_clue() -> None:
    _r1, first, _ = submit(ORIGINAL)
    _r2, twin, decision = submit(TWIN)
    assert decision["decision"] == "opened"
    assert twin.pk != first.pk


def test_attach_or_open_writes_no_ledger_event() -> None:
    before = Event.objects.count()
    submit(ORIGINAL)
    submit(RE_REPORT)
    assert Event.objects.count() == before


def test_attach_or_open_labels_the_clue_and_resolves_its_place() -> None:
    _r, clue, decision = submit("村里王某开设赌场，每晚赌资上万元，浏阳市集里街道派出所所长包庇他。")
    assert clue.category == "gambling"
    assert clue.umbrella is True
    assert decision["division"] == "430181"
    implicated = ClueTriage.objects.get(clue=clue).implicated
    assert any("派出所" in (u["unit"] or "") and u["unit_type"] == "公安" for u in implicated)


def test_a_new_report_on_a_concluded_clue_is_flagged_for_supervision() -> None:
    _r, clue, _ = submit(ORIGINAL)
    Clue.objects.filter(pk=clue.pk).update(state=Clue.State.CONCLUDED)
    _r2, again, decision = submit(RE_REPORT)
    assert again.pk == clue.pk
    assert decision["repeat_after_conclusion"] is True
    assert ClueTriage.objects.get(clue=clue).repeat_after_conclusion


def test_a_report_with_no_text_features_still_opens_a_clue() -> None:
    _r, clue, decision = submit("？！")
    assert decision["decision"] == "opened"
    assert clue.report_count == 1


def test_similar_clues_ranks_the_same_matter_first() -> None:
    _r, first, _ = submit(ORIGINAL)
    pair = engine.pair_model()
    engine.use(pair=type(pair)(pair.weights, pair.bias, threshold=1.01))  # force a second clue
    _r2, second, _ = submit(RE_REPORT)
    _r3, twin, _ = submit(TWIN)
    ranked = similar_clues(first, limit=5)
    assert ranked[0][0].pk == second.pk
    assert all(p <= ranked[0][1] for _c, p in ranked)


def test_the_clue_merge_moves_the_index_and_keeps_a_same_matter_label(org_world: Any) -> None:
    reviewer = org_world.staff["intake_reviewer"]
    _r, first, _ = submit(ORIGINAL)
    pair = engine.pair_model()
    engine.use(pair=type(pair)(pair.weights, pair.bias, threshold=1.01))
    _r2, second, _ = submit(RE_REPORT)
    assert first.division_id == "430181" and second.pk != first.pk
    before = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    clue_services.merge(second, acting_user=reviewer, into=first)  # the one merge, in clues
    # the clue workflow's merge verb writes the merge event; triage adds none of its own
    new = Event.objects.filter(seq__gt=before)
    assert new.filter(verb="clue.merge").count() == 1
    assert not new.filter(verb__startswith="triage.").exists()
    assert ReportIndex.objects.filter(clue=first).count() == 2
    assert PairLabel.objects.filter(same=True).count() == 1
    second.refresh_from_db()
    assert second.state == Clue.State.MERGED


def test_split_report_opens_a_clue_and_keeps_a_different_matter_label(org_world: Any) -> None:
    reviewer = org_world.staff["intake_reviewer"]
    _r1, clue, _ = submit(ORIGINAL)
    r2, again, _ = submit(RE_REPORT)
    assert again.pk == clue.pk
    before = Event.objects.count()
    new = split_report(r2, acting_user=reviewer)
    assert Event.objects.count() == before + 1
    assert Event.objects.order_by("-seq").first().verb == "triage.report_split"
    r2.refresh_from_db()
    clue.refresh_from_db()
    assert r2.clue_id == new.pk and clue.report_count == 1
    assert ReportIndex.objects.get(report_id=r2.pk).clue_id == new.pk
    assert PairLabel.objects.filter(same=False).count() == 1


def test_split_refuses_a_clue_s_only_report_and_writes_nothing(org_world: Any) -> None:
    reviewer = org_world.staff["intake_reviewer"]
    r1, _clue, _ = submit(ORIGINAL)
    clues, events = Clue.objects.count(), Event.objects.count()
    with pytest.raises(TriageError):
        split_report(r1, acting_user=reviewer)
    assert Clue.objects.count() == clues and Event.objects.count() == events


def test_split_is_refused_to_staff_who_cannot_see_the_clue(org_world: Any) -> None:
    outsider = org_world.other_staff["intake_reviewer"]
    submit(ORIGINAL)
    r2, _c, _ = submit(RE_REPORT)
    with pytest.raises(TriageError):
        split_report(r2, acting_user=outsider)


def test_correct_labels_records_one_event_and_labelled_data(org_world: Any) -> None:
    reviewer = org_world.staff["intake_reviewer"]
    _r, clue, _ = submit(ORIGINAL)
    before = Event.objects.count()
    correct_labels(clue, category="gang_violence", industry="other", acting_user=reviewer)
    assert Event.objects.count() == before + 1
    clue.refresh_from_db()
    assert clue.category == "gang_violence"
    assert LabelCorrection.objects.filter(clue=clue, field="category").exists()
    # triage no longer overwrites a corrected clue
    submit(RE_REPORT)
    clue.refresh_from_db()
    assert clue.category == "gang_violence"
    # the same request again is a no-op
    correct_labels(clue, category="gang_violence", acting_user=reviewer)
    assert Event.objects.count() == before + 1


def test_correct_labels_rejects_an_unknown_category(org_world: Any) -> None:
    reviewer = org_world.staff["intake_reviewer"]
    _r, clue, _ = submit(ORIGINAL)
    events = Event.objects.count()
    with pytest.raises(TriageError, match="Unknown category"):
        correct_labels(clue, category="no-such-thing", acting_user=reviewer)
    assert Event.objects.count() == events
    assert not LabelCorrection.objects.exists()


def test_routing_never_offers_an_implicated_unit_or_its_subordinates(org_world: Any) -> None:
    county, city, province = org_world.county, org_world.city, org_world.province
    assert suggest_unit("430181") == county
    assert suggest_unit("430181", [county.name]) == city
    assert suggest_unit("430181", [city.name]) == province  # the county office is the city's subordinate


def test_reindex_rebuilds_the_keys_of_stored_reports() -> None:
    from cluedesk.triage.models import BandKey
    from cluedesk.triage.services import reindex

    _r, clue, _ = submit(ORIGINAL)
    before = sorted(BandKey.objects.values_list("key", flat=True))
    BandKey.objects.all().delete()
    assert reindex() == 1
    assert sorted(BandKey.objects.values_list("key", flat=True)) == before
    _r2, again, _ = submit(RE_REPORT)
    assert again.pk == clue.pk


def test_reindex_recounts_the_clue_s_charge_totals() -> None:
    from cluedesk.analysis.charges import ChargeModel
    from cluedesk.triage.services import reindex

    gambling = "村里有人开设赌场，每晚赌资上万元，组织村民聚众赌博。"
    engine.use(charge=ChargeModel.fit([ORIGINAL, TWIN, gambling, gambling + "请查处"],
                                      ["故意伤害罪", "故意伤害罪", "开设赌场罪", "开设赌场罪"]))
    _r, clue, _ = submit(ORIGINAL)
    submit(RE_REPORT)
    info = ClueTriage.objects.get(clue=clue)
    expected = dict(info.charge_scores)
    assert expected and info.charge == "故意伤害罪"
    ClueTriage.objects.filter(pk=info.pk).update(charge="stale", charge_scores={"stale": 9.0})
    assert reindex() == 2
    info.refresh_from_db()
    assert info.charge_scores == expected
    assert info.charge == "故意伤害罪"


def test_the_reporter_s_category_is_used_when_triage_finds_nothing_better() -> None:
    _r, clue, _ = submit("有人长期欺压村民，大家敢怒不敢言。", category="village_tyrant")
    assert clue.category == "grassroots_abuse"
    _r2, other, _ = submit("村里有人开设赌场，每晚赌资上万元。", category="village_tyrant")
    assert other.category == "gambling"


def test_each_key_offers_its_newest_entries_only_the_same_on_every_backend(monkeypatch) -> None:
    """The lookup reads each band or entity key's newest KEY_ROWS entries (issue 20.6). Before, one
    cap over all keys kept whichever rows the plan met first, and PostgreSQL's plan changed them."""
    from cluedesk.analysis.matching import analyze
    from cluedesk.triage import services

    for _ in range(5):
        submit(ORIGINAL)  # five entries sharing every key (they join one clue: candidates are entries)
    entries = list(ReportIndex.objects.order_by("pk").values_list("pk", flat=True))
    assert len(entries) == 5
    monkeypatch.setattr(services, "KEY_ROWS", 2)
    monkeypatch.setattr(services, "NAME_KEY_ROWS", 2)
    found = [c.record for c in services.candidates(analyze(RE_REPORT))]
    assert sorted(found) == entries[-2:]  # the two newest, whatever the backend
    monkeypatch.setattr(services, "KEY_ROWS", 4)
    monkeypatch.setattr(services, "NAME_KEY_ROWS", 4)
    assert sorted(c.record for c in services.candidates(analyze(RE_REPORT))) == entries[-4:]


def test_the_memory_index_reads_each_key_as_the_database_does() -> None:
    from cluedesk.analysis import grouping
    from cluedesk.analysis.matching import KEY_ROWS, analyze

    text = "听说镇上有人长期开设赌场，放高利贷并暴力催收，每天晚上都有很多人去赌博，输了钱就被逼着借高利贷。"
    assert not analyze(text).name_keys()  # band and entity keys only: the person keys have a cap of their own
    index = grouping.MemoryIndex()
    for n in range(KEY_ROWS + 3):
        index.add(f"r{n}", f"c{n}", analyze(text))
    found = {c.record for c in index.candidates(analyze("我要举报：" + text), limit=100)}
    assert found == {f"r{n}" for n in range(3, KEY_ROWS + 3)}  # the newest KEY_ROWS of each key
