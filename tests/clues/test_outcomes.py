"""One matter, several outcomes: a conclusion records a criminal case and a discipline referral
together; the case rate counts it as a case, retention keeps it as long as its longest outcome."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cluedesk.clues import services
from cluedesk.clues.models import Clue, Conclusion, has_outcome
from cluedesk.ledger.models import Event
from tests.clues.conftest import login_verified

pytestmark = pytest.mark.django_db

TEXT = {"finding": "substantiated", "summary": "Ledgers and witnesses.", "public_wording": "Verified; acted upon."}


def _verifying(world) -> Clue:
    return world.clue(Clue.State.VERIFYING, unit=world.units["K1"], mode="local")


def test_a_conclusion_records_a_case_and_a_discipline_referral(world) -> None:
    clue = _verifying(world)
    with pytest.raises(services.InvalidInput) as refused:
        services.draft_conclusion(clue, acting_user=world.verifier, outcome="discipline",
                                  also_outcomes=["criminal_case"], **TEXT)
    assert "case number" in refused.value.message  # a case among the further outcomes needs its number too
    services.draft_conclusion(clue, acting_user=world.verifier, outcome="discipline", case_number="2026-17",
                              also_outcomes=["criminal_case", "discipline"], **TEXT)
    c = Clue.objects.get(pk=clue.pk).current_conclusion
    assert c.outcomes == ["discipline", "criminal_case"]
    assert Event.objects.filter(verb="clue.draft_conclusion").get().data["also_outcomes"] == ["criminal_case"]


@pytest.mark.parametrize(("outcome", "also", "message"), [
    ("no_action", ["discipline"], "no action"), ("discipline", ["no_action"], "no action"),
    ("discipline", ["jail"], "further outcomes")])
def test_impossible_combinations_are_refused_and_nothing_is_written(world, outcome, also, message) -> None:
    clue = _verifying(world)
    with pytest.raises(services.InvalidInput) as refused:
        services.draft_conclusion(clue, acting_user=world.verifier, outcome=outcome, also_outcomes=also, **TEXT)
    assert message in refused.value.message.lower()
    assert not Conclusion.objects.exists()


def test_the_form_offers_further_outcomes_and_the_page_shows_them_all(world) -> None:
    clue = _verifying(world)
    client = login_verified(Client(), world.verifier)
    html = client.get(f"/staff/clues/{clue.public_id}/").content.decode()
    form = re.search(r'act/draft_conclusion/".*?</form>', html, re.S).group(0)
    assert 'type="checkbox" name="also_outcomes" value="discipline"' in form
    assert 'name="also_outcomes" value="no_action"' not in form
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))
    response = client.post(f"/staff/clues/{clue.public_id}/act/draft_conclusion/", {
        **hidden, **TEXT, "outcome": "criminal_case", "case_number": "2026-9", "also_outcomes": ["discipline"]})
    assert response.status_code == 303
    page = client.get(f"/staff/clues/{clue.public_id}/").content.decode()
    assert "criminal case opened · discipline referral" in page


def _final(clue: Clue, world, outcome: str, also: str) -> None:
    Conclusion.objects.create(clue=clue, unit=world.units["K1"], drafter=world.verifier, finding="substantiated",
                              outcome=outcome, also_outcomes=also, case_number="1", summary="s",
                              public_wording="p", final=True)


def test_the_case_rate_and_retention_count_every_outcome(world) -> None:
    from cluedesk.records.policy import final_outcomes
    from cluedesk.supervision.stats import _case_ids

    both = world.clue(Clue.State.CONCLUDED)
    _final(both, world, "discipline", ",criminal_case,")
    penalty = world.clue(Clue.State.CONCLUDED)
    _final(penalty, world, "admin_penalty", "")
    assert _case_ids([both.pk, penalty.pk]) == {both.pk}
    periods = {"criminal_case": None, "discipline": 1095, "admin_penalty": 1095, "default": 365}
    assert final_outcomes([both.pk, penalty.pk], periods) == {both.pk: "criminal_case", penalty.pk: "admin_penalty"}
    assert final_outcomes([both.pk]) == {both.pk: "discipline"}  # the published statistics: the main outcome
    assert set(Conclusion.objects.filter(has_outcome("criminal_case")).values_list("clue_id", flat=True)) == {
        both.pk}  # the inspection rounds' case count
