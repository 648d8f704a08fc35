"""The triage card on the clue page: what triage found, corrections by staff, splitting a report off."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client

from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.triage.models import ClueTriage, LabelCorrection, PairLabel
from cluedesk.triage.services import attach_or_open
from tests.org.factories import login_verified, make_division, make_staff
from tests.triage.test_services import ORIGINAL, RE_REPORT

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _models(shipped_models: None) -> None:
    """The shipped same-matter model, no charge model (tests/triage/conftest.py)."""


def submit(text: str) -> tuple[Report, Clue]:
    """What intake does: create the report, attach or open, set the clue."""
    from django.db import transaction

    with transaction.atomic():
        report = Report.objects.create(tracking_hash=secrets.token_hex(16), channel="web", text=text)
        clue, _decision = attach_or_open(report)
        report.clue = clue
        report.save(update_fields=["clue"])
    return report, clue


def page(clue: Clue) -> str:
    return f"/staff/clues/{clue.public_id}/"


def correct_url(clue: Clue) -> str:
    return f"/staff/triage/{clue.public_id}/correct/"


def split_url(clue: Clue, report: Report) -> str:
    return f"/staff/triage/{clue.public_id}/reports/{report.pk}/split/"


def as_(user: Any) -> Client:
    return login_verified(Client(), user)


def form_data(clue: Clue, **changes: str) -> dict[str, str]:
    clue.refresh_from_db()
    data = {"category": clue.category or "other", "industry": clue.industry or "other",
            "umbrella": "yes" if clue.umbrella else "no", "division": clue.division_id or "", "division_code": ""}
    data.update(changes)
    return data


def state(clue: Clue) -> tuple[Any, ...]:
    clue.refresh_from_db()
    info = ClueTriage.objects.filter(clue=clue).values_list("division_code", "suggested_unit_id", "corrected").first()
    return (clue.category, clue.industry, clue.umbrella, clue.division_id, info, Event.objects.count(),
            LabelCorrection.objects.count(), Clue.objects.count())


@pytest.fixture
def city_reviewer(org_world: Any) -> Any:
    """An intake reviewer of the city unit: Liuyang and Furong are both in their area."""
    return make_staff("changsha-reviewer", org_world.city, "intake_reviewer")


def _findings(clue: Clue) -> ClueTriage:
    info = ClueTriage.objects.get(clue=clue)
    info.charge = "故意伤害罪"
    info.charge_scores = {"故意伤害罪": 1.4, "寻衅滋事罪": 0.4, "聚众斗殴罪": 0.12, "抢劫罪": 0.08}
    info.implicated = ["集里派出所"]
    info.repeat_after_conclusion = True
    info.save()
    return info


# --- the card -------------------------------------------------------------------------------------

def test_the_card_shows_what_triage_found_in_english(org_world: Any) -> None:
    _r, clue = submit(ORIGINAL)
    _findings(clue)
    html = as_(org_world.staff["intake_reviewer"]).get(page(clue)).content.decode()
    assert 'id="triage-card"' in html
    assert "故意伤害罪" in html and "70%" in html and "寻衅滋事罪" in html and "20%" in html
    assert "抢劫罪" not in html  # the top three only
    assert "Reported again after conclusion." in html
    assert "集里派出所" in html
    assert "浏阳市" in html and "Liuyang anti-gang office" in html  # place and suggested unit
    assert f'action="{correct_url(clue)}"' in html and 'hx-post="' in html
    assert 'name="category"' in html and 'name="umbrella"' in html and 'name="division"' in html
    assert "/split/" not in html  # one report: nothing to split it from


def test_the_card_reads_in_chinese(org_world: Any) -> None:
    _r, clue = submit(ORIGINAL)
    _findings(clue)
    c = as_(org_world.staff["intake_reviewer"])
    c.cookies["django_language"] = "zh-hans"
    html = c.get(page(clue), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "分流研判" in html and "建议罪名" in html and "办结后再次举报" in html and "更正研判结果" in html
    assert "Suggested charge" not in html and "Correct triage" not in html


def test_staff_without_the_triage_action_see_the_card_read_only(org_world: Any) -> None:
    _r, clue = submit(ORIGINAL)
    html = as_(org_world.staff["verifier"]).get(page(clue)).content.decode()
    assert 'id="triage-card"' in html
    assert correct_url(clue) not in html and "/split/" not in html


def test_a_clue_with_two_reports_offers_a_split_button_per_report(org_world: Any) -> None:
    r1, clue = submit(ORIGINAL)
    r2, again = submit(RE_REPORT)
    assert again.pk == clue.pk
    html = as_(org_world.staff["intake_reviewer"]).get(page(clue)).content.decode()
    assert split_url(clue, r1) in html and split_url(clue, r2) in html


def test_the_suggested_unit_shown_is_never_one_the_clue_implicates(org_world: Any, city_reviewer: Any) -> None:
    _r, clue = submit(ORIGINAL)
    assert ClueTriage.objects.get(clue=clue).suggested_unit == org_world.county
    ImplicatedUnit.objects.create(clue=clue, unit=org_world.county)
    html = as_(city_reviewer).get(page(clue)).content.decode()
    card = html[html.index('id="triage-card"'):]
    card = card[:card.index("</dl>")]
    assert "Liuyang anti-gang office" not in card and "Changsha anti-gang office" in card


# --- corrections ----------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value,expected", [
    ("category", "loan_sharking", "loan_sharking"),
    ("industry", "information_network", "information_network"),
    ("umbrella", "yes", True),
])
def test_correcting_a_label_writes_one_event_and_a_label_row(org_world: Any, field: str, value: str,
                                                               expected: Any) -> None:
    _r, clue = submit(ORIGINAL)
    c = as_(org_world.staff["intake_reviewer"])
    before = Event.objects.count()
    response = c.post(correct_url(clue), form_data(clue, **{field: value}))
    assert response.status_code == 303 and response["Location"].endswith(f"{page(clue)}#triage-card")
    clue.refresh_from_db()
    assert getattr(clue, field) == expected
    assert Event.objects.count() == before + 1
    event = Event.objects.order_by("-seq").first()
    assert event.verb == "triage.labels_corrected" and list(event.data) == [field]
    assert LabelCorrection.objects.filter(clue=clue, field=field).count() == 1
    assert ClueTriage.objects.get(clue=clue).corrected
    # the same form again changes nothing and writes nothing
    again = c.post(correct_url(clue), form_data(clue))
    assert again.status_code == 303
    assert Event.objects.count() == before + 1 and LabelCorrection.objects.count() == 1


def test_correcting_the_place_recomputes_the_suggested_unit(org_world: Any, city_reviewer: Any) -> None:
    _r, clue = submit(ORIGINAL)
    assert clue.division_id == "430181"
    c = as_(city_reviewer)
    before = Event.objects.count()
    response = c.post(correct_url(clue), form_data(clue, division="430102"))
    assert response.status_code == 303
    clue.refresh_from_db()
    info = ClueTriage.objects.get(clue=clue)
    assert clue.division_id == "430102" and info.division_code == "430102"
    assert info.suggested_unit == org_world.other_county
    assert not info.corrected  # the labels may still be refined by later reports
    html = c.get(page(clue)).content.decode()
    assert "corrected by staff" in html and "place" in html[html.index("Corrected by staff"):]
    assert Event.objects.count() == before + 1
    event = Event.objects.order_by("-seq").first()
    assert event.verb == "triage.place_corrected" and event.data["division"] == ["430181", "430102"]
    row = LabelCorrection.objects.get(clue=clue)
    assert (row.field, row.old, row.new) == ("division", "430181", "430102")
    # again: a no-op
    assert c.post(correct_url(clue), form_data(clue, division="430102")).status_code == 303
    assert Event.objects.count() == before + 1 and LabelCorrection.objects.count() == 1
    # the typed code box works as well
    c.post(correct_url(clue), form_data(clue, division_code="430181"))
    clue.refresh_from_db()
    assert clue.division_id == "430181"


def test_a_later_report_does_not_vote_a_corrected_place_away(org_world: Any, city_reviewer: Any) -> None:
    _r, clue = submit(ORIGINAL)
    as_(city_reviewer).post(correct_url(clue), form_data(clue, division="430102"))
    _again, same = submit(RE_REPORT)  # names 浏阳市 again
    assert same.pk == clue.pk
    clue.refresh_from_db()
    assert clue.division_id == "430102" and ClueTriage.objects.get(clue=clue).division_code == "430102"


def test_a_corrected_place_never_suggests_a_unit_the_clue_implicates(org_world: Any, city_reviewer: Any) -> None:
    _r, clue = submit(ORIGINAL)
    ClueTriage.objects.filter(clue=clue).update(implicated=["Furong anti-gang office"])
    as_(city_reviewer).post(correct_url(clue), form_data(clue, division="430102"))
    info = ClueTriage.objects.get(clue=clue)
    assert info.division_code == "430102"
    assert info.suggested_unit == org_world.city


def test_labels_and_place_in_one_form_are_one_transaction_and_one_event(org_world: Any,
                                                                         city_reviewer: Any) -> None:
    _r, clue = submit(ORIGINAL)
    before = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    as_(city_reviewer).post(correct_url(clue), form_data(clue, category="gambling", division="430102"))
    clue.refresh_from_db()
    assert (clue.category, clue.division_id) == ("gambling", "430102")
    events = list(Event.objects.filter(seq__gt=before))
    assert [e.verb for e in events] == ["triage.labels_corrected"]  # one correction, one event
    data = events[0].data
    assert data["category"][1] == "gambling" and data["division"] == ["430181", "430102"]
    assert "suggested_unit" in data
    assert sorted(LabelCorrection.objects.filter(clue=clue).values_list("field", flat=True)) == [
        "category", "division"]
    # the same form again: nothing changed, nothing written
    as_(city_reviewer).post(correct_url(clue), form_data(clue, category="gambling", division="430102"))
    assert Event.objects.filter(seq__gt=before).count() == 1


def test_an_htmx_correction_gets_the_card_back(org_world: Any) -> None:
    _r, clue = submit(ORIGINAL)
    response = as_(org_world.staff["intake_reviewer"]).post(correct_url(clue), form_data(clue, category="gambling"),
                                                            **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and 'id="triage-card"' in html
    assert "Saved" in html and "corrected by staff" in html
    # the clue header shows the same labels: it comes along out of band, so it does not go stale
    head = html[html.index('id="clue-head-category"'):]
    assert head.startswith('id="clue-head-category" hx-swap-oob="true">Gambling')
    assert 'id="clue-head-division" hx-swap-oob="true">' in html and 'id="clue-head-umbrella" hx-swap-oob' in html


@pytest.mark.parametrize("changes,message", [
    ({"category": "no-such-category"}, "Select a valid choice"),
    ({"industry": "<script>"}, "Select a valid choice"),
    ({"division": "430100"}, "outside your area"),  # the city: above the county reviewer's area
    ({"division_code": "430102"}, "outside your area"),
    ({"division_code": "43'01; DROP"}, "six-digit division code"),
    ({"division_code": "999999"}, "Unknown place"),
    ({"umbrella": "maybe"}, "Select a valid choice"),
    ({"category": ""}, "This field is required"),
    ({"umbrella": None}, "This field is required"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(org_world: Any, changes: dict[str, Any],
                                                                 message: str) -> None:
    _r, clue = submit(ORIGINAL)
    c = as_(org_world.staff["intake_reviewer"])  # county staff: only 浏阳市 is in their area
    data = form_data(clue, category="gambling")
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    before = state(clue)
    response = c.post(correct_url(clue), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'class="errorbox"' in html
    assert state(clue) == before
    # the same refusal through htmx: the card with the message (htmx swaps no 4xx answer)
    hx = c.post(correct_url(clue), data, **HTMX)
    assert hx.status_code == 200 and message in hx.content.decode()
    assert state(clue) == before


def test_a_refusal_reads_in_chinese(org_world: Any) -> None:
    _r, clue = submit(ORIGINAL)
    c = as_(org_world.staff["intake_reviewer"])
    c.cookies["django_language"] = "zh-hans"
    before = state(clue)
    response = c.post(correct_url(clue), form_data(clue, division_code="430102"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "不在您的辖区内" in response.content.decode()
    assert state(clue) == before


def test_a_bad_place_undoes_the_label_changes_of_the_same_form(org_world: Any, city_reviewer: Any) -> None:
    _r, clue = submit(ORIGINAL)
    make_division("440113")  # 番禺区: a real place, outside Changsha
    before = state(clue)
    response = as_(city_reviewer).post(correct_url(clue), form_data(clue, category="gambling", division="440113"))
    assert response.status_code == 400 and "outside your area" in response.content.decode()
    assert state(clue) == before


@pytest.mark.parametrize("role,status", [("verifier", 403), ("supervisor", 403), ("auditor", 403)])
def test_roles_without_the_triage_action_are_refused(org_world: Any, role: str, status: int) -> None:
    _r, clue = submit(ORIGINAL)
    before = state(clue)
    assert as_(org_world.staff[role]).post(correct_url(clue), form_data(clue, category="gambling")).status_code == status
    assert state(clue) == before


def test_a_clue_out_of_scope_is_not_found(org_world: Any) -> None:
    _r, clue = submit(ORIGINAL)
    before = state(clue)
    outsider = as_(org_world.other_staff["intake_reviewer"])
    assert outsider.post(correct_url(clue), form_data(clue, category="gambling")).status_code == 404
    assert state(clue) == before


def test_signed_out_people_are_sent_to_sign_in(org_world: Any) -> None:
    _r, clue = submit(ORIGINAL)
    response = Client().post(correct_url(clue), form_data(clue, category="gambling"))
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


# --- split ----------------------------------------------------------------------------------------

def test_splitting_a_report_opens_a_new_clue_and_goes_there(org_world: Any) -> None:
    _r1, clue = submit(ORIGINAL)
    r2, _again = submit(RE_REPORT)
    c = as_(org_world.staff["intake_reviewer"])
    before = Event.objects.count()
    response = c.post(split_url(clue, r2))
    assert response.status_code == 303
    r2.refresh_from_db()
    new = Clue.objects.get(pk=r2.clue_id)
    assert new.pk != clue.pk and response["Location"] == page(new)
    assert Event.objects.count() == before + 1
    assert Event.objects.order_by("-seq").first().verb == "triage.report_split"
    assert PairLabel.objects.filter(same=False).exists()
    html = c.get(response["Location"]).content.decode()
    assert new.public_id in html and f"split off from {clue.public_id}" in html


def test_the_only_report_cannot_be_split_off(org_world: Any) -> None:
    r1, clue = submit(ORIGINAL)
    before = state(clue)
    response = as_(org_world.staff["intake_reviewer"]).post(split_url(clue, r1))
    assert response.status_code == 400
    assert "only report" in response.content.decode()
    assert state(clue) == before


def test_split_refuses_a_report_of_another_clue_and_other_roles(org_world: Any) -> None:
    _r1, clue = submit(ORIGINAL)
    r2, _again = submit(RE_REPORT)
    stranger = Report.objects.create(tracking_hash=secrets.token_hex(16), channel="web", text="x",
                                     clue=org_world.clue_in)
    before = state(clue)
    reviewer = as_(org_world.staff["intake_reviewer"])
    assert reviewer.post(split_url(clue, stranger)).status_code == 404
    assert as_(org_world.staff["verifier"]).post(split_url(clue, r2)).status_code == 403
    assert as_(org_world.other_staff["intake_reviewer"]).post(split_url(clue, r2)).status_code == 404
    assert reviewer.get(split_url(clue, r2)).status_code == 405
    assert state(clue) == before
