"""Every verb tried from every state the table does not allow it in; wrong roles; stale forms; repeats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cluedesk.clues import services, workflow
from cluedesk.clues.models import Clue, Note
from cluedesk.ledger.models import Event

pytestmark = pytest.mark.django_db

CONCLUSION = {"finding": "partly", "outcome": "no_action", "summary": "s", "public_wording": "p"}

CALLS: dict[str, Callable[[Any, Clue], Any]] = {
    "screen_valid": lambda w, c: services.screen_valid(c, acting_user=w.reviewer),
    "screen_invalid": lambda w, c: services.screen_invalid(c, acting_user=w.reviewer, reason="r"),
    "transfer": lambda w, c: services.transfer(c, acting_user=w.reviewer, body="Tax bureau"),
    "merge": lambda w, c: services.merge(c, acting_user=w.reviewer, into=w.clue()),
    "flag_implicated": lambda w, c: services.flag_implicated(c, acting_user=w.supervisor, unit=w.units["C2"]),
    "assign": lambda w, c: services.assign(c, acting_user=w.dispatcher, unit=w.units["K1"], mode="local"),
    "reassign": lambda w, c: services.reassign(c, acting_user=w.dispatcher, unit=w.units["K2"], mode="offsite",
                                               reason="slow"),
    "start_verification": lambda w, c: services.start_verification(c, acting_user=w.verifier),
    "add_note": lambda w, c: services.add_note(c, acting_user=w.verifier, text="n"),
    "add_evidence": lambda w, c: services.add_evidence(
        c, acting_user=w.verifier, upload=SimpleUploadedFile("a.txt", b"abc", "text/plain")),
    "request_extension": lambda w, c: services.request_extension(c, acting_user=w.verifier, days=5, reason="r"),
    "decide_extension": lambda w, c: services.decide_extension(c, acting_user=w.dispatcher, approve=True),
    "draft_conclusion": lambda w, c: services.draft_conclusion(c, acting_user=w.verifier, **CONCLUSION),
    "edit_conclusion": lambda w, c: services.edit_conclusion(c, acting_user=w.verifier, **CONCLUSION),
    "sign": lambda w, c: services.sign(c, acting_user=w.sig1),
    "refuse_signature": lambda w, c: services.refuse_signature(c, acting_user=w.sig1, reason="r"),
    "conclude": lambda w, c: services.conclude(c, acting_user=w.dispatcher),
    "review_keep": lambda w, c: services.review_keep(c, acting_user=w.supervisor),
    "review_reopen": lambda w, c: services.review_reopen(c, acting_user=w.supervisor, reason="r",
                                                         unit=w.units["K2"], mode="offsite"),
    "record_accountability": lambda w, c: services.record_accountability(
        c, acting_user=w.supervisor, unit=w.units["K1"], finding="f"),
}

# The legal moves, written by hand from docs/workflow.md's table (not read from workflow.TRANSITIONS:
# a transition wrongly added to the table must be illegal to this test; issue 22).
# verb: [(from, to, roles, where)]; "to" None = the state stays.
REVIEWER, DISPATCHER, VERIFIER, SUPERVISOR, AUDITOR = (
    "intake_reviewer", "dispatcher", "verifier", "supervisor", "auditor")
SIGNATORIES = ("signatory_1", "signatory_2", "signatory_3")
LEGAL: dict[str, list[tuple[str, str | None, tuple[str, ...], str]]] = {
    "screen_valid": [("new", "screened", (REVIEWER,), "jurisdiction")],
    "screen_invalid": [("new", "invalid", (REVIEWER,), "jurisdiction")],
    "transfer": [("new", "transferred", (REVIEWER,), "jurisdiction")],
    "merge": [(s, "merged", (REVIEWER, DISPATCHER), "jurisdiction") for s in ("new", "screened")],
    "flag_implicated": [(s, None, (REVIEWER, DISPATCHER, SUPERVISOR), "jurisdiction") for s in ("new", "screened")]
    + [(s, "screened", (DISPATCHER, SUPERVISOR), "jurisdiction") for s in ("assigned", "verifying")],
    "assign": [("screened", "assigned", (DISPATCHER,), "jurisdiction")],
    "reassign": [(s, "assigned", (DISPATCHER,), "jurisdiction") for s in ("assigned", "verifying")],
    "start_verification": [("assigned", "verifying", (VERIFIER,), "assigned")],
    "add_note": [("verifying", None, (VERIFIER,), "assigned")],
    "add_evidence": [("verifying", None, (VERIFIER,), "assigned")],
    "request_extension": [("verifying", None, (VERIFIER,), "assigned")],
    "decide_extension": [("verifying", None, (DISPATCHER, SUPERVISOR), "jurisdiction")],
    "draft_conclusion": [("verifying", "drafted", (VERIFIER,), "assigned")],
    "edit_conclusion": [("drafted", None, (VERIFIER,), "assigned")],
    "sign": [("drafted", None, SIGNATORIES, "above")],  # -> signed with the third signature
    "refuse_signature": [("drafted", "verifying", SIGNATORIES, "above")],
    "conclude": [("signed", "concluded", (DISPATCHER, *SIGNATORIES), "jurisdiction")],
    "review_keep": [("concluded", "reviewed", (SUPERVISOR, AUDITOR), "jurisdiction")],
    "review_reopen": [(s, "assigned", (SUPERVISOR, AUDITOR), "jurisdiction") for s in ("concluded", "reviewed")],
    "record_accountability": [(s, None, (SUPERVISOR, AUDITOR), "jurisdiction") for s in ("concluded", "reviewed")],
}
STATES = ["new", "screened", "assigned", "verifying", "drafted", "signed", "concluded", "reviewed", "invalid",
          "transferred", "merged"]
ILLEGAL = [(state, verb) for verb in LEGAL for state in STATES
           if state not in {source for source, _to, _roles, _where in LEGAL[verb]}]


def test_the_transition_table_is_the_documented_one() -> None:
    """Every (state, verb) the code allows, with its target, roles and place, is in the hand-written
    table, and nothing more: a move added to or dropped from workflow.TRANSITIONS fails here."""
    documented = {(source, verb, to or source, frozenset(roles), where)
                  for verb, rows in LEGAL.items() for source, to, roles, where in rows}
    in_code = {(t.source, t.verb, t.target, frozenset(t.roles), t.where) for t in workflow.TRANSITIONS}
    assert in_code - documented == set(), "allowed by the code, not by docs/workflow.md"
    assert documented - in_code == set(), "documented, not allowed by the code"
    assert set(Clue.State.values) == set(STATES)


def test_every_verb_has_a_service_call() -> None:
    assert set(CALLS) == set(workflow.VERBS) == set(LEGAL)


@pytest.mark.parametrize(("state", "verb"), ILLEGAL, ids=[f"{s}-{v}" for s, v in ILLEGAL])
def test_it_refuses_an_illegal_transition(world, state: str, verb: str) -> None:
    clue = world.clue(state, unit=world.units["K1"], mode="local")
    events = Event.objects.count()
    with pytest.raises(services.IllegalTransition) as refused:
        CALLS[verb](world, clue)
    assert refused.value.state == state
    clue.refresh_from_db()
    assert (clue.state, clue.version) == (state, 1)
    assert Event.objects.count() == events


# (state, verb, someone who may not do it)
WRONG_PEOPLE = [
    ("new", "screen_valid", "verifier"),
    ("new", "screen_valid", "dispatcher"),
    ("new", "screen_invalid", "reviewer_elsewhere"),
    ("screened", "assign", "reviewer"),
    ("screened", "assign", "dispatcher_c2"),  # another city's dispatcher: out of territory
    ("assigned", "start_verification", "verifier_k2"),  # not the assigned unit
    ("assigned", "start_verification", "verifier_c1"),  # a unit above is not the verifying team
    ("verifying", "add_note", "verifier_c2"),
    ("verifying", "draft_conclusion", "sig1"),
    ("drafted", "sign", "verifier"),
    ("drafted", "sign", "sig1_k2"),  # a sibling unit's signatory
    ("signed", "conclude", "verifier"),
    ("concluded", "review_keep", "dispatcher"),
]


@pytest.mark.parametrize(("state", "verb", "who"), WRONG_PEOPLE)
def test_it_refuses_the_wrong_person(world, state: str, verb: str, who: str) -> None:
    from cluedesk.org.models import Role
    from tests.clues.conftest import make_staff

    world.people["reviewer_elsewhere"] = make_staff("reviewer_elsewhere", world.units["C2"], Role.INTAKE_REVIEWER)
    clue = world.clue(state, unit=world.units["K1"], mode="local")
    caller = CALLS[verb]
    person = world.people[who]

    class Stand:  # the same call, made by someone else
        def __getattr__(self, name: str) -> Any:
            return person if name in world.people else getattr(world, name)

    events = Event.objects.count()
    with pytest.raises(services.NotAllowed):
        caller(Stand(), clue)
    assert Event.objects.count() == events


def test_a_stale_form_is_refused_with_the_current_state(world) -> None:
    clue = world.clue()
    old = clue.version
    services.screen_valid(clue, acting_user=world.reviewer, version=old)
    events = Event.objects.count()
    with pytest.raises(services.StaleForm) as refused:
        services.assign(clue, acting_user=world.dispatcher, unit=world.units["K1"], mode="local", version=old)
    assert refused.value.state == "screened"
    assert "screened" in refused.value.message
    assert Event.objects.count() == events


def test_a_second_dispatcher_on_an_old_form_is_told_what_changed(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    v = clue.version
    services.assign(clue, acting_user=world.dispatcher, unit=world.units["K1"], mode="local", version=v)
    with pytest.raises(services.IllegalTransition) as refused:
        services.assign(clue, acting_user=world.dispatcher_c1, unit=world.units["C1"], mode="upgraded", version=v)
    assert refused.value.state == "assigned"
    clue.refresh_from_db()
    assert clue.unit == world.units["K1"]


def test_repeating_a_verb_that_already_happened_is_a_no_op(world) -> None:
    clue = world.clue()
    v = clue.version
    first = services.screen_valid(clue, acting_user=world.reviewer, version=v)
    again = services.screen_valid(clue, acting_user=world.reviewer, version=v)
    assert first.changed and not again.changed
    assert Event.objects.filter(verb="clue.screen_valid").count() == 1
    services.assign(clue, acting_user=world.dispatcher, unit=world.units["K1"], mode="local", version=v + 1)
    assert not services.assign(clue, acting_user=world.dispatcher, unit=world.units["K1"], mode="local",
                               version=v + 1).changed
    services.start_verification(clue, acting_user=world.verifier)
    services.add_note(clue, acting_user=world.verifier, text="one", token="tok-1")
    assert not services.add_note(clue, acting_user=world.verifier, text="one", token="tok-1").changed
    assert Note.objects.filter(clue=clue).count() == 1


def test_a_repeat_is_not_a_way_to_peek(world) -> None:
    clue = world.clue()
    services.screen_valid(clue, acting_user=world.reviewer)
    with pytest.raises(services.NotAllowed):
        services.screen_valid(clue, acting_user=world.verifier_c2)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("finding", "maybe", "finding"),
    ("outcome", "jail", "outcome"),
    ("public_wording", "   ", "reporter"),
    ("summary", "", "summary"),
])
def test_a_bad_conclusion_is_refused_and_nothing_is_written(world, field: str, value: str, message: str) -> None:
    clue = world.clue(Clue.State.VERIFYING, unit=world.units["K1"], mode="local")
    values = {**CONCLUSION, field: value}
    with pytest.raises(services.InvalidInput) as refused:
        services.draft_conclusion(clue, acting_user=world.verifier, **values)
    assert message in refused.value.message.lower()
    clue.refresh_from_db()
    assert clue.state == "verifying" and not clue.conclusions.exists()


def test_a_criminal_case_needs_its_number(world) -> None:
    clue = world.clue(Clue.State.VERIFYING, unit=world.units["K1"], mode="local")
    with pytest.raises(services.InvalidInput):
        services.draft_conclusion(clue, acting_user=world.verifier, **{**CONCLUSION, "outcome": "criminal_case"})


@pytest.mark.parametrize(("unit", "mode"), [("K2", "local"), ("K1", "offsite"), ("K2", "upgraded"),
                                            ("C1", "local"), ("N", "offsite"), ("K1", "sideways")])
def test_a_unit_that_does_not_fit_the_mode_is_refused(world, unit: str, mode: str) -> None:
    clue = world.clue(Clue.State.SCREENED)
    with pytest.raises(services.InvalidInput):
        services.assign(clue, acting_user=world.dispatcher, unit=world.units[unit], mode=mode)
    clue.refresh_from_db()
    assert clue.state == "screened" and not clue.assignments.exists()


def test_deadlines_follow_the_policy_per_mode_and_priority(world, settings) -> None:
    settings.CLUEDESK_DEADLINE_DAYS = {"local": {"normal": 3, "high": 2, "urgent": 1},
                                       "offsite": {"normal": 9, "high": 8, "urgent": 7},
                                       "upgraded": {"normal": 20, "high": 10, "urgent": 5}}
    urgent = world.clue(Clue.State.SCREENED, priority="urgent")
    a = services.assign(urgent, acting_user=world.dispatcher, unit=world.units["C1"], mode="upgraded")
    normal = world.clue(Clue.State.SCREENED)
    b = services.assign(normal, acting_user=world.dispatcher, unit=world.units["K2"], mode="offsite")
    assert round((a.clue.deadline - a.event.created_at).total_seconds() / 86400) == 5
    assert round((b.clue.deadline - b.event.created_at).total_seconds() / 86400) == 9


def test_a_verifier_may_not_approve_an_extension_and_a_refusal_needs_a_reason(world) -> None:
    clue = world.clue(Clue.State.VERIFYING, unit=world.units["K1"], mode="local")
    services.request_extension(clue, acting_user=world.verifier, days=7, reason="bank records")
    with pytest.raises(services.NotAllowed):
        services.decide_extension(clue, acting_user=world.verifier, approve=True)
    with pytest.raises(services.InvalidInput):
        services.decide_extension(clue, acting_user=world.dispatcher, approve=False, reason="")
    with pytest.raises(services.InvalidInput):
        services.request_extension(clue, acting_user=world.verifier_b, days=3, reason="again")
    services.decide_extension(clue, acting_user=world.dispatcher, approve=False, reason="Not justified")
    assert clue.extensions.get().status == "refused"
