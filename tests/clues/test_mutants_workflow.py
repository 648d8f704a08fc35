"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/clues/workflow.py (issue 22).

Each expectation is written by hand from the workflow's rules (module docstring of
``clues.workflow``: who may act where; the three signature slots the clue page shows), not derived
from the code under test. People and units: tests/clues/conftest.py (K1 under C1 under P under N).
"""

from __future__ import annotations

from typing import Any

import pytest

from cluedesk.clues import workflow
from cluedesk.clues.models import Clue, Conclusion, Signature
from cluedesk.clues.workflow import (
    IllegalTransition,
    NotAllowed,
    StaleForm,
    Transition,
    WorkflowError,
    allowed_verbs,
    check,
    covers_division,
    qualifying_memberships,
    signature_slots,
    state_label,
)
from cluedesk.org.models import Membership, Unit

from .conftest import make_staff

pytestmark = pytest.mark.django_db

S = Clue.State


def _drafted(world: Any, unit: str = "K1", drafter: str = "verifier") -> Clue:
    clue = world.clue(state=S.DRAFTED, unit=world.units[unit], mode="local")
    Conclusion.objects.create(clue=clue, unit=world.units[unit], drafter=world.people[drafter],
                              finding="substantiated", outcome="no_action", summary="s", public_wording="p")
    return clue


def _sign(clue: Clue, who: Any, role: str, unit: Unit) -> Signature:
    conclusion = clue.current_conclusion
    return Signature.objects.create(conclusion=conclusion, revision=conclusion.revision, signer=who, role=role,
                                    unit=unit)


# --- the table's rows ---------------------------------------------------------------------------

def test_t_makes_one_row_per_source_state_and_keeps_the_state_when_no_target_is_given() -> None:
    rows = workflow._t((S.NEW, S.SCREENED), "merge", S.MERGED, ("intake_reviewer", "dispatcher"), "jurisdiction")
    assert rows == [
        Transition("new", "merge", "merged", frozenset({"intake_reviewer", "dispatcher"}), "jurisdiction"),
        Transition("screened", "merge", "merged", frozenset({"intake_reviewer", "dispatcher"}), "jurisdiction"),
    ]
    assert workflow._t((S.VERIFYING,), "add_note", None, ("verifier",), "assigned") == [
        Transition("verifying", "add_note", "verifying", frozenset({"verifier"}), "assigned")]


# --- refusals and labels ------------------------------------------------------------------------

def test_a_workflow_error_carries_its_message_and_no_state_unless_given() -> None:
    error = WorkflowError("Nothing was saved.")
    assert str(error) == "Nothing was saved."
    assert error.message == "Nothing was saved."
    assert error.state == ""
    assert WorkflowError("x", state="drafted").state == "drafted"


def test_state_label_is_the_states_label_or_the_state_itself() -> None:
    assert state_label("verifying") == "in verification"
    assert state_label("drafted") == "conclusion drafted"
    assert state_label("no_such_state") == "no_such_state"


# --- signing ------------------------------------------------------------------------------------

def test_signing_is_not_offered_for_a_role_held_only_where_the_signer_is_not_above_the_team(world) -> None:
    """Off-site: K2 verifies a clue in K1's county. A person holding signatory_1 in K1 (whose
    county it is, but not above K2) and signatory_2 in C1 (above K2), once signatory_2 is taken,
    has nothing left to sign; sending the draft back is still theirs to do."""
    w = world
    clue = _drafted(w, unit="K2", drafter="verifier_k2")
    _sign(clue, w.sig2_c1, "signatory_2", w.units["C1"])
    two_hats = make_staff("two_hats", w.units["K1"], "signatory_1")
    Membership.objects.create(user=two_hats, unit=w.units["C1"], role="signatory_2")
    assert allowed_verbs(clue, two_hats) == ["refuse_signature"]
    assert allowed_verbs(clue, w.sig1_k2) == ["sign", "refuse_signature"]


def test_signature_slots_name_the_role_its_label_the_signature_and_who_may_still_sign(world) -> None:
    w = world
    clue = _drafted(w)
    # more holders of signatory_2 above K1, to see the order: by unit name, then user name
    make_staff("zed", w.units["C1"], "signatory_2")
    make_staff("abe", w.units["C1"], "signatory_2")
    # never candidates: not above K1, an inactive unit above, a person no longer active
    make_staff("sig2_k2_again", w.units["K2"], "signatory_2")
    gone = make_staff("gone", w.units["C1"], "signatory_2")
    gone.is_active = False
    gone.save()
    closed = Unit.objects.create(name="Aardvark office (closed)", division=w.divisions["430100"],
                                 parent=w.units["P"], active=False)
    make_staff("closed_sig", closed, "signatory_2")
    Unit.objects.filter(pk=w.units["C1"].pk).update(parent=closed)  # K1 < C1 < the closed office < P
    signature = _sign(clue, w.sig1, "signatory_1", w.units["K1"])

    slots = signature_slots(clue)
    assert [set(slot) for slot in slots] == [{"role", "label", "signature", "candidates"}] * 3
    assert [slot["role"] for slot in slots] == ["signatory_1", "signatory_2", "signatory_3"]
    assert [str(slot["label"]) for slot in slots] == [
        "signatory: head of the verifying team", "signatory: head of the office", "signatory: responsible leader"]
    assert slots[0]["signature"] == signature and slots[0]["candidates"] == []
    assert slots[1]["signature"] is None
    assert slots[1]["candidates"] == [
        {"name": "abe", "unit": "Changsha office"}, {"name": "sig2_c1", "unit": "Changsha office"},
        {"name": "zed", "unit": "Changsha office"}, {"name": "sig2", "unit": "Furong office"}]
    assert slots[2]["candidates"] == [{"name": "sig3", "unit": "Changsha office"}]


def test_a_final_draft_offers_no_candidates(world) -> None:
    clue = _drafted(world)
    Conclusion.objects.filter(clue=clue).update(final=True)
    assert [slot["candidates"] for slot in signature_slots(clue)] == [[], [], []]


def test_at_most_eight_candidates_are_named_per_slot(world) -> None:
    clue = _drafted(world)
    for n in range(9):
        make_staff(f"leader{n}", world.units["C1"], "signatory_3")
    candidates = signature_slots(clue)[2]["candidates"]
    assert [c["name"] for c in candidates] == [f"leader{n}" for n in range(8)]


# --- what the clue page offers ------------------------------------------------------------------

def test_only_the_verbs_of_the_present_state_that_the_persons_roles_allow_are_offered(world) -> None:
    w = world
    new = w.clue()
    assert allowed_verbs(new, w.dispatcher) == ["merge", "flag_implicated"]
    assert allowed_verbs(new, w.reviewer) == ["screen_valid", "screen_invalid", "transfer", "merge",
                                              "flag_implicated"]
    assert allowed_verbs(new, w.verifier) == []
    assert allowed_verbs(w.clue(state=S.SCREENED), w.dispatcher) == ["merge", "flag_implicated", "assign"]


def test_verbs_for_the_verifying_team_are_offered_only_inside_the_assigned_unit(world) -> None:
    w = world
    clue = w.clue(state=S.ASSIGNED, unit=w.units["K1"], mode="local")
    assert allowed_verbs(clue, w.verifier) == ["start_verification"]
    assert allowed_verbs(clue, w.verifier_c1) == []  # above K1, the county is in its city: still not the team
    assert allowed_verbs(clue, w.verifier_k2) == []


# --- check: the refusals a person reads ---------------------------------------------------------

def test_an_unknown_verb_is_refused_as_an_unknown_action(world) -> None:
    clue = world.clue()
    with pytest.raises(IllegalTransition) as refused:
        check(clue, "fly_away", world.reviewer, None)
    assert (refused.value.message, refused.value.state) == ("Unknown action.", "new")


def test_a_verb_of_another_state_is_refused_naming_the_present_state(world) -> None:
    clue = world.clue(state=S.VERIFYING, unit=world.units["K1"], mode="local")
    with pytest.raises(IllegalTransition) as refused:
        check(clue, "assign", world.dispatcher, None)
    assert refused.value.message == "This action is not possible: the clue is now “in verification”."
    assert refused.value.state == "verifying"


def test_a_form_opened_on_an_older_version_is_refused_saying_nothing_was_saved(world) -> None:
    clue = world.clue()
    with pytest.raises(StaleForm) as refused:
        check(clue, "screen_valid", world.reviewer, clue.version - 1)
    assert refused.value.message == (
        "Someone changed this clue after you opened the form; it is now “new”. "
        "Nothing was saved: look at the current state and try again.")
    assert refused.value.state == "new"


def test_a_role_that_may_not_use_the_verb_is_refused(world) -> None:
    clue = world.clue()
    with pytest.raises(NotAllowed) as refused:
        check(clue, "screen_valid", world.verifier, None)
    assert refused.value.message == "Your role does not allow this action on this clue."
    assert refused.value.state == "new"


def test_a_clue_with_no_division_is_covered_by_the_national_level_only(world) -> None:
    w = world
    clue = Clue.objects.create(division=None)
    assert covers_division(w.units["N"].division, clue)
    assert not covers_division(w.units["P"].division, clue)
    assert not covers_division(w.units["K1"].division, clue)


# --- who qualifies ------------------------------------------------------------------------------

def test_no_user_an_inactive_person_or_an_inactive_unit_qualifies_for_nothing(world) -> None:
    w = world
    clue = w.clue(state=S.ASSIGNED, unit=w.units["K1"], mode="local")
    assert allowed_verbs(clue, w.verifier) == ["start_verification"]
    assert qualifying_memberships(clue, None, frozenset({"verifier"}), "assigned") == []
    w.verifier.is_active = False
    assert allowed_verbs(clue, w.verifier) == []
    w.verifier.is_active = True
    Unit.objects.filter(pk=w.units["K1"].pk).update(active=False)
    assert allowed_verbs(clue, w.verifier) == []
