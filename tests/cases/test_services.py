"""The registers' rules: each bad input is refused with its message and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from cluedesk.cases import services
from cluedesk.cases.models import CaseStage, Fugitive, MajorCase, Official, Suspect, UmbrellaCase
from cluedesk.ledger.models import Event
from cluedesk.supervision.models import Notification

from .conftest import TODAY

pytestmark = pytest.mark.django_db
D = dt.date


def _case(w, **kw):
    args = {"acting_user": w.staff["dispatcher"], "division": w.county.division, "title": "砂石场案",
            "opened_on": D(2026, 1, 10), "today": TODAY, **kw}
    return services.open_case(**args)


def _refused(fn, message, *models):
    before = [m.objects.count() for m in models] + [Event.objects.count()]
    with pytest.raises(services.CaseError) as exc:
        fn()
    assert message in exc.value.message
    assert [m.objects.count() for m in models] + [Event.objects.count()] == before


# --- cases ------------------------------------------------------------------------------------

def test_case_numbers_are_per_division_and_year(w):
    a = _case(w)
    b = _case(w)
    c = _case(w, opened_on=D(2025, 12, 31))
    other = _case(w, division=w.other_county.division)
    assert a.number == "430181-2026-0001" and b.number == "430181-2026-0002"
    assert c.number == "430181-2025-0001" and other.number == "430102-2026-0001"
    assert Event.objects.filter(verb="case.opened").count() == 4


def test_opening_a_case_from_clues_links_them(w):
    case = _case(w, clues=[w.clue_in], listed=True, level="provincial")
    assert list(case.clues.all()) == [w.clue_in]
    assert case.listed_on == case.opened_on
    assert Event.objects.get(verb="case.opened").data["clues"] == [w.clue_in.public_id]


def test_case_refusals(w):
    _refused(lambda: _case(w, opened_on=D(2026, 6, 16)), "The opening date cannot be in the future", MajorCase)
    _refused(lambda: _case(w, title="  "), "Give the case a title", MajorCase)
    _refused(lambda: _case(w, level="galactic"), "Unknown supervising level", MajorCase)
    _refused(lambda: _case(w, listed=True, listed_on=D(2026, 1, 1)), "listed for supervision before it was opened",
             MajorCase)
    _refused(lambda: _case(w, clues=[w.clue_out]), "lies outside the case's division", MajorCase)


def test_refusals_answer_in_chinese(w):
    with translation.override("zh-hans"):
        with pytest.raises(services.CaseError) as exc:
            _case(w, opened_on=D(2027, 1, 1))
    assert "不能晚于今天" in exc.value.message


def test_stages_follow_the_fixed_order(w):
    case = _case(w)
    user = w.staff["dispatcher"]

    def start(stage, on, deadline=None):
        return lambda: services.start_stage(case, acting_user=user, stage=stage, started_on=on, deadline=deadline,
                                            today=TODAY)

    _refused(start("prosecution", D(2026, 2, 1)), "the next stage of this case is", CaseStage)
    _refused(start("investigation", D(2026, 7, 1)), "The start date cannot be in the future", CaseStage)
    _refused(start("investigation", D(2026, 2, 1), D(2026, 1, 31)), "deadline cannot be before the start", CaseStage)
    _refused(start("investigation", D(2026, 1, 1)), "before the case was opened", CaseStage)
    _refused(start("bogus", D(2026, 2, 1)), "Unknown stage", CaseStage)
    start("investigation", D(2026, 1, 12), D(2026, 4, 12))()
    _refused(start("investigation", D(2026, 1, 13)), "already been recorded", CaseStage)
    _refused(start("review", D(2026, 3, 1)), "Complete the stage", CaseStage)
    _refused(lambda: services.complete_stage(case, acting_user=user, completed_on=D(2026, 1, 11), today=TODAY),
             "completed before it started", CaseStage)
    _refused(lambda: services.complete_stage(case, acting_user=user, completed_on=D(2026, 9, 1), today=TODAY),
             "cannot be in the future", CaseStage)
    services.complete_stage(case, acting_user=user, completed_on=D(2026, 3, 1), today=TODAY)
    _refused(lambda: services.complete_stage(case, acting_user=user, completed_on=D(2026, 3, 2), today=TODAY),
             "already completed", CaseStage)
    _refused(start("review", D(2026, 2, 28)), "before the stage before it was completed", CaseStage)
    start("review", D(2026, 3, 1))()
    services.complete_stage(case, acting_user=user, completed_on=D(2026, 3, 20), today=TODAY)
    start("prosecution", D(2026, 3, 21))()
    services.complete_stage(case, acting_user=user, completed_on=D(2026, 3, 22), today=TODAY)
    start("trial", D(2026, 3, 23))()
    services.complete_stage(case, acting_user=user, completed_on=D(2026, 5, 1), today=TODAY)
    start("enforcement", D(2026, 5, 2))()  # the appeal may be skipped
    _refused(start("appeal", D(2026, 5, 3)), "the next stage of this case is", CaseStage)
    assert [s.stage for s in case.stages.all()] == ["investigation", "review", "prosecution", "trial", "enforcement"]
    assert Event.objects.filter(verb__startswith="case.stage_").count() == 9


def test_a_reporter_suspect_is_sealed(w, custodian_passphrase):
    from cluedesk.vault import sealing

    case = _case(w)
    s = services.add_suspect(case, acting_user=w.staff["dispatcher"], name="李某", is_reporter=True)
    plain = services.add_suspect(case, acting_user=w.staff["dispatcher"], name="张某", role="leader")
    s.refresh_from_db()
    assert s.name == "" and s.sealed_identity
    assert sealing.unlock(custodian_passphrase).unseal(bytes(s.sealed_identity)) == {"name": "李某"}
    assert plain.name == "张某" and plain.sealed_identity is None
    assert "李某" not in str(Event.objects.filter(verb="case.suspect_added").values_list("data", flat=True))
    _refused(lambda: services.add_suspect(case, acting_user=None, name=""), "Give the suspect's name", Suspect)


def test_no_umbrella_flag_reminds_the_discipline_body_above(w):
    case = _case(w)
    unit = services.flag_no_umbrella(case, acting_user=w.staff["supervisor"], on=D(2026, 3, 1), today=TODAY)
    assert unit == w.discipline_city
    notice = Notification.objects.get(unit=w.discipline_city)
    assert case.number in notice.subject
    _refused(lambda: services.flag_no_umbrella(case, acting_user=None, today=TODAY), "already flagged",
             Notification)


def test_no_umbrella_flag_refused_without_a_discipline_body(w):
    w.discipline_city.delete()
    case = _case(w)
    _refused(lambda: services.flag_no_umbrella(case, acting_user=None, today=TODAY),
             "No discipline inspection commission", Notification)
    assert not MajorCase.objects.get(pk=case.pk).no_umbrella


def test_escalation_records_the_working_group(w):
    case = _case(w)
    assert services.escalate(case, acting_user=None, units=[w.city, w.province], on=D(2026, 2, 1), today=TODAY)
    assert not services.escalate(case, acting_user=None, units=[w.city], on=D(2026, 2, 2), today=TODAY)
    assert set(case.working_group.all()) == {w.city, w.province}
    assert MajorCase.objects.get(pk=case.pk).escalated_on == D(2026, 2, 1)
    _refused(lambda: services.escalate(case, acting_user=None, units=[], today=TODAY), "member units", MajorCase)
    _refused(lambda: services.escalate(case, acting_user=None, units=[w.nation], on=D(2027, 1, 1), today=TODAY),
             "cannot be in the future", MajorCase)


def test_listing_change_is_idempotent(w):
    case = _case(w)
    assert services.update_listing(case, acting_user=None, level="national", listed=True,
                                   listed_on=D(2026, 2, 1), today=TODAY)
    assert not services.update_listing(case, acting_user=None, level="national", listed=True,
                                       listed_on=D(2026, 2, 1), today=TODAY)
    assert Event.objects.filter(verb="case.listing_changed").count() == 1


# --- umbrella investigations -----------------------------------------------------------------

def _inv(w, **kw):
    args = {"acting_user": w.staff["supervisor"], "division": w.city.division, "title": "保护伞问题",
            "opened_on": D(2026, 2, 1), "today": TODAY, **kw}
    return services.open_umbrella(**args)


def test_umbrella_outcomes(w):
    inv = _inv(w, cases=[_case(w)])
    o = services.add_official(inv, acting_user=None, name="赵某", position="所长", organisation="派出所",
                              division=w.county.division)
    services.record_outcome(o, acting_user=None, kind="discipline", on=D(2026, 3, 1), detail="开除党籍", today=TODAY)
    services.record_outcome(o, acting_user=None, kind="transfer", on=D(2026, 3, 5), today=TODAY)
    o.refresh_from_db()
    assert (o.discipline, o.discipline_on, o.transferred_on) == ("开除党籍", D(2026, 3, 1), D(2026, 3, 5))
    assert inv.number == "430100-2026-U0001"
    _refused(lambda: services.record_outcome(o, acting_user=None, kind="transfer", on=D(2026, 3, 6), today=TODAY),
             "already recorded", Official)
    _refused(lambda: services.record_outcome(o, acting_user=None, kind="sanction", on=D(2026, 3, 6), today=TODAY),
             "Say which discipline or sanction", Official)
    _refused(lambda: services.record_outcome(o, acting_user=None, kind="sanction", on=D(2026, 1, 6), detail="记过",
                                             today=TODAY), "before the investigation was opened", Official)
    _refused(lambda: services.record_outcome(o, acting_user=None, kind="sanction", on=D(2026, 8, 6), detail="记过",
                                             today=TODAY), "cannot be in the future", Official)
    assert Official.objects.get(pk=o.pk).sanction_on is None


def test_umbrella_refusals(w):
    _refused(lambda: _inv(w, opened_on=D(2026, 7, 1)), "cannot be in the future", UmbrellaCase)
    _refused(lambda: _inv(w, title=""), "Give the investigation a title", UmbrellaCase)
    inv = _inv(w)
    _refused(lambda: services.add_official(inv, acting_user=None, name="x", position="", organisation="o"),
             "name, position and organisation", Official)
    _refused(lambda: services.add_official(inv, acting_user=None, name="x", position="p", organisation="o",
                                           division=w.nation.division), "inside the investigation's division",
             Official)


# --- fugitives --------------------------------------------------------------------------------

def _fugitive(w, case, **kw):
    args = {"acting_user": w.staff["dispatcher"], "case": case, "name": "钱某", "at_large_since": D(2025, 5, 1),
            "listed_on": D(2026, 1, 20), "today": TODAY, **kw}
    return services.list_fugitive(**args)


def test_fugitive_caught_once(w, custodian_passphrase):
    from cluedesk.vault import sealing

    case = _case(w)
    p = _fugitive(w, case, id_number="43018119790101123X")
    assert p.id_hint == "123X" and p.number == "430181-2026-F0001"
    assert sealing.unlock(custodian_passphrase).unseal(bytes(p.sealed_identity)) == {"id_number": "43018119790101123X"}
    services.change_status(p, acting_user=None, status="arrested", on=D(2026, 3, 1), today=TODAY)
    _refused(lambda: services.change_status(p, acting_user=None, status="arrested", on=D(2026, 3, 2), today=TODAY),
             "was already caught", Fugitive)
    _refused(lambda: services.change_status(p, acting_user=None, status="deceased", on=D(2026, 3, 2), today=TODAY),
             "the status cannot change", Fugitive)
    assert Fugitive.objects.get(pk=p.pk).status == "arrested"


def test_fugitive_refusals(w):
    case = _case(w)
    _refused(lambda: _fugitive(w, case, at_large_since=D(2026, 7, 1)), "cannot be in the future", Fugitive)
    _refused(lambda: _fugitive(w, case, listed_on=D(2025, 1, 1)), "before being at large", Fugitive)
    _refused(lambda: _fugitive(w, case, name=""), "Give the fugitive's name", Fugitive)
    _refused(lambda: _fugitive(w, case, birth_year=1800), "year of birth", Fugitive)
    _refused(lambda: _fugitive(w, case, division=w.other_county.division), "case's division", Fugitive)
    p = _fugitive(w, case)
    _refused(lambda: services.change_status(p, acting_user=None, status="at_large", on=D(2026, 3, 1), today=TODAY),
             "Choose what happened", Fugitive)
    _refused(lambda: services.change_status(p, acting_user=None, status="arrested", on=D(2025, 3, 1), today=TODAY),
             "before the person was at large", Fugitive)
    _refused(lambda: services.change_status(p, acting_user=None, status="arrested", on=D(2026, 7, 1), today=TODAY),
             "cannot be in the future", Fugitive)
    services.change_status(p, acting_user=None, status="deceased", on=D(2026, 3, 1), today=TODAY)
    _refused(lambda: services.change_status(p, acting_user=None, status="arrested", on=D(2026, 3, 2), today=TODAY),
             "the status cannot change", Fugitive)
