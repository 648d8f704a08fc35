"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/clues/services/conclusion.py
(issue 22): drafting, editing, signing, refusing to sign and concluding.

Each expectation is written by hand from the rules (docs/workflow.md: "The three signatures", the verbs
table, "Concurrency, repeats, stale forms") and from the refusals as a person reads them in English and
in Simplified Chinese (cluedesk/clues/locale/zh_Hans), never derived from the code under test.
People and units: tests/clues/conftest.py (K1 under C1 under P under N).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from cluedesk.clues import services
from cluedesk.clues.models import Clue, Conclusion
from cluedesk.ledger.models import Event
from tests.records.helpers import keyed

pytestmark = pytest.mark.django_db

S = Clue.State


def _drafted(world: Any, drafter: str = "verifier") -> Clue:
    """A clue verified by K1 (local) with a draft, through the real verbs."""
    clue = world.clue(S.SCREENED)
    services.assign(clue, acting_user=world.dispatcher, unit=world.units["K1"], mode="local")
    services.start_verification(clue, acting_user=world.people[drafter])
    services.draft_conclusion(clue, acting_user=world.people[drafter], finding="partly", outcome="admin_penalty",
                              summary="Fines issued.", public_wording="Partly verified; penalties imposed.")
    clue.refresh_from_db()
    return clue


def _in_both_languages(call: Any, exc: type[services.WorkflowError]) -> tuple[tuple[str, str], ...]:
    """The refusal's (message, state) as an English and as a Chinese reader gets it."""
    seen = []
    for language in ("en", "zh-hans"):
        with translation.override(language), pytest.raises(exc) as refused:
            call()
        seen.append((refused.value.message, refused.value.state))
    return tuple(seen)


# --- refusing to sign ---------------------------------------------------------------------------

def test_refusing_cannot_be_folded_into_a_larger_transaction(world) -> None:
    """Every verb is its own transaction writing exactly one event (docs/workflow.md)."""
    clue = _drafted(world)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.refuse_signature(clue, acting_user=world.sig1, reason="The amounts are not evidenced.")


def test_a_refusal_on_a_form_opened_before_a_change_is_refused_as_stale(world) -> None:
    clue = _drafted(world)
    old = clue.version
    services.sign(clue, acting_user=world.sig1)  # the clue moves on: version + 1
    events = Event.objects.count()
    with pytest.raises(services.StaleForm) as refused:
        services.refuse_signature(clue, acting_user=world.sig2, reason="Not evidenced.", version=old)
    assert refused.value.state == "drafted"
    clue.refresh_from_db()
    assert clue.state == S.DRAFTED and clue.current_conclusion.valid_signatures().count() == 1
    assert Event.objects.count() == events


def test_a_refusal_sent_twice_changes_nothing_the_second_time(world) -> None:
    """A double click: the verb already happened, so "nothing changed", nothing written."""
    clue = _drafted(world)
    first = services.refuse_signature(clue, acting_user=world.sig1, reason="Not evidenced.", version=clue.version)
    assert first.changed is True
    events = Event.objects.count()
    again = services.refuse_signature(clue.public_id, acting_user=world.sig1, reason="Not evidenced.")
    assert again.changed is False
    assert again.event is None
    assert isinstance(again.clue, Clue) and again.clue.pk == clue.pk and again.clue.state == S.VERIFYING
    assert Event.objects.count() == events


def test_a_clue_drafted_without_a_draft_cannot_be_refused_and_says_so(world) -> None:
    clue = world.clue(state=S.DRAFTED, unit=world.units["K1"], mode="local")
    call = lambda: services.refuse_signature(clue, acting_user=world.sig1, reason="Not evidenced.")  # noqa: E731
    assert _in_both_languages(call, services.InvalidInput) == (
        ("There is no draft to refuse.", ""), ("没有可退回的结论草稿。", ""))
    clue.refresh_from_db()
    assert clue.state == S.DRAFTED and not Event.objects.filter(subject_id=clue.public_id).exists()


def test_the_drafter_may_not_send_their_own_draft_back(world) -> None:
    """The drafter may not sign; refusing to sign is signing's other answer, and is refused too."""
    from cluedesk.org.models import Membership, Role

    Membership.objects.create(user=world.verifier, unit=world.units["K1"], role=Role.SIGNATORY_1)
    clue = _drafted(world)
    events = Event.objects.count()
    call = lambda: services.refuse_signature(clue, acting_user=world.verifier, reason="I changed my mind.")  # noqa: E731
    assert _in_both_languages(call, services.NotAllowed) == (
        ("The person who drafted the conclusion may not sign it.", "drafted"),
        ("结论起草人不得签批该结论。", "drafted"))
    clue.refresh_from_db()
    assert clue.state == S.DRAFTED and clue.current_conclusion.returned_reason == ""
    assert Event.objects.count() == events


def test_a_refusal_without_a_reason_is_refused_asking_for_one(world) -> None:
    clue = _drafted(world)
    call = lambda: services.refuse_signature(clue, acting_user=world.sig1, reason=" \n ")  # noqa: E731
    assert _in_both_languages(call, services.InvalidInput) == (
        ("A reason is required.", ""), ("理由为必填项。", ""))
    clue.refresh_from_db()
    assert clue.state == S.DRAFTED


def test_a_refusal_writes_one_event_with_the_conclusion_its_revision_a_digest_of_the_reason_and_the_voided(
        world) -> None:
    """The event keeps a keyed digest of the reason, never its text (docs/workflow.md, threat-model)."""
    clue = _drafted(world)
    services.sign(clue, acting_user=world.sig1)
    services.sign(clue, acting_user=world.sig3)
    clue.refresh_from_db()
    conclusion = clue.current_conclusion
    services.refuse_signature(clue, acting_user=world.sig2, reason="  The amounts are not evidenced. ")
    event = Event.objects.filter(subject_id=clue.public_id).latest("id")
    assert event.verb == "clue.refuse_signature"
    assert event.data == {"from": "drafted", "to": "verifying", "version": clue.version + 1,
                          "conclusion": conclusion.pk, "revision": 1,
                          "reason_digest": keyed("The amounts are not evidenced."), "voided_signatures": 2}
    conclusion.refresh_from_db()
    assert conclusion.returned_reason == "The amounts are not evidenced."


# --- editing the draft --------------------------------------------------------------------------

EDIT = {"finding": "partly", "summary": "Fines issued.", "public_wording": "Partly verified; two fines imposed."}


def test_editing_cannot_be_folded_into_a_larger_transaction(world) -> None:
    clue = _drafted(world)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.edit_conclusion(clue, acting_user=world.verifier, outcome="admin_penalty", **EDIT)


def test_an_edit_on_a_form_opened_before_a_change_is_refused_as_stale(world) -> None:
    clue = _drafted(world)
    old = clue.version
    services.sign(clue, acting_user=world.sig1)
    with pytest.raises(services.StaleForm) as refused:
        services.edit_conclusion(clue, acting_user=world.verifier, outcome="admin_penalty", version=old, **EDIT)
    assert refused.value.state == "drafted"
    clue.refresh_from_db()
    assert clue.current_conclusion.revision == 1 and clue.current_conclusion.valid_signatures().count() == 1


def test_a_clue_drafted_without_a_draft_cannot_be_edited_and_says_so(world) -> None:
    clue = world.clue(state=S.DRAFTED, unit=world.units["K1"], mode="local")
    call = lambda: services.edit_conclusion(clue, acting_user=world.verifier, outcome="admin_penalty", **EDIT)  # noqa: E731
    assert _in_both_languages(call, services.InvalidInput) == (
        ("There is no draft to edit.", ""), ("没有可修改的结论草稿。", ""))
    assert not Conclusion.objects.filter(clue=clue).exists()


def test_an_edit_keeps_the_case_number_and_the_further_outcomes_it_was_given(world) -> None:
    clue = _drafted(world)
    services.edit_conclusion(clue, acting_user=world.verifier, outcome="discipline", case_number=" 2026-17 ",
                             also_outcomes=["criminal_case"], **EDIT)
    c = Clue.objects.get(pk=clue.pk).current_conclusion
    assert (c.revision, c.outcomes, c.case_number) == (2, ["discipline", "criminal_case"], "2026-17")


def test_an_edit_that_changes_nothing_answers_nothing_changed_with_the_clue(world) -> None:
    clue = _drafted(world)
    events = Event.objects.count()
    same = services.edit_conclusion(clue, acting_user=world.verifier, finding="partly", outcome="admin_penalty",
                                    summary="Fines issued.", public_wording="Partly verified; penalties imposed.")
    assert same.changed is False and same.event is None
    assert isinstance(same.clue, Clue) and same.clue.pk == clue.pk and same.clue.state == S.DRAFTED
    assert Event.objects.count() == events


def test_an_edit_sent_twice_changes_nothing_the_second_time(world) -> None:
    """A double click on "save" sends the same edit on the same form (the same version) twice: the
    edit already happened, so "nothing changed" (docs/workflow.md: a verb repeated after it happened),
    not a refusal saying someone else changed the clue and nothing was saved."""
    clue = _drafted(world)
    form_version = clue.version
    first = services.edit_conclusion(clue, acting_user=world.verifier, outcome="discipline", version=form_version,
                                     **EDIT)
    assert first.changed is True
    events = Event.objects.count()
    again = services.edit_conclusion(clue.public_id, acting_user=world.verifier, outcome="discipline",
                                     version=form_version, **EDIT)
    assert again.changed is False and again.event is None
    assert isinstance(again.clue, Clue) and again.clue.pk == clue.pk and again.clue.state == S.DRAFTED
    assert Event.objects.count() == events
    assert Clue.objects.get(pk=clue.pk).current_conclusion.revision == 2
    # a different text on that old form is still refused: someone (here, the first click) changed it
    with pytest.raises(services.StaleForm):
        services.edit_conclusion(clue, acting_user=world.verifier, outcome="admin_penalty", version=form_version,
                                 **EDIT)
    # and only the team may hear "nothing changed": a signatory resending it is refused
    with pytest.raises(services.NotAllowed):
        services.edit_conclusion(clue, acting_user=world.sig1, outcome="discipline", version=form_version, **EDIT)


def test_an_edit_voids_the_signatures_given_puts_the_draft_back_before_its_signers_and_says_how_many(
        world) -> None:
    """"Any edit bumps the revision and voids the signatures given": the event counts them, and the
    draft is again awaiting the signature of those who had signed it."""
    from cluedesk.clues.workbench import queue_queryset

    clue = _drafted(world)
    services.sign(clue, acting_user=world.sig1)
    services.sign(clue, acting_user=world.sig2)
    clue.refresh_from_db()
    awaiting = lambda who: list(queue_queryset(who, Clue.objects.all(), "sign"))  # noqa: E731
    assert awaiting(world.sig1) == [] and awaiting(world.sig3) == [clue]
    conclusion = clue.current_conclusion
    services.edit_conclusion(clue, acting_user=world.verifier, outcome="discipline", **EDIT)
    event = Event.objects.filter(subject_id=clue.public_id).latest("id")
    assert event.verb == "clue.edit_conclusion"
    assert event.data == {"from": "drafted", "to": "drafted", "version": clue.version + 1,
                          "conclusion": conclusion.pk, "revision": 2, "finding": "partly", "outcome": "discipline",
                          "case_number": "", "digest": keyed("Fines issued.\x1fPartly verified; two fines imposed."),
                          "voided_signatures": 2}
    assert sorted(conclusion.signatures.values_list("voided", flat=True)) == [True, True]
    assert awaiting(world.sig1) == [clue] and awaiting(world.sig2) == [clue]
    # a second edit voids nothing more: the two were voided already
    services.edit_conclusion(clue, acting_user=world.verifier, outcome="admin_penalty", **EDIT)
    assert Event.objects.filter(subject_id=clue.public_id).latest("id").data["voided_signatures"] == 0


# --- signing ------------------------------------------------------------------------------------

def test_signing_cannot_be_folded_into_a_larger_transaction(world) -> None:
    clue = _drafted(world)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.sign(clue, acting_user=world.sig1)


def test_signing_the_same_revision_twice_changes_nothing_the_second_time(world) -> None:
    """A double click on "sign" (the form carries the revision): "nothing changed", one signature."""
    clue = _drafted(world)
    revision = clue.current_conclusion.revision
    assert services.sign(clue, acting_user=world.sig1, revision=revision).changed is True
    events = Event.objects.count()
    again = services.sign(clue, acting_user=world.sig1, revision=str(revision))
    assert again.changed is False and again.event is None
    without_revision = services.sign(clue.public_id, acting_user=world.sig1)
    assert without_revision.changed is False and without_revision.event is None
    assert isinstance(without_revision.clue, Clue) and without_revision.clue.pk == clue.pk
    assert without_revision.clue.state == S.DRAFTED
    assert clue.current_conclusion.valid_signatures().count() == 1
    assert Event.objects.count() == events


def test_a_clue_drafted_without_a_draft_cannot_be_signed_and_says_so(world) -> None:
    clue = world.clue(state=S.DRAFTED, unit=world.units["K1"], mode="local")
    call = lambda: services.sign(clue, acting_user=world.sig1)  # noqa: E731
    assert _in_both_languages(call, services.InvalidInput) == (
        ("There is no draft to sign.", ""), ("没有可签批的结论草稿。", ""))


def test_a_signatory_looking_at_an_older_revision_is_told_to_read_the_new_text(world) -> None:
    clue = _drafted(world)
    services.edit_conclusion(clue, acting_user=world.verifier, outcome="discipline", **EDIT)
    call = lambda: services.sign(clue, acting_user=world.sig1, revision=1)  # noqa: E731
    assert _in_both_languages(call, services.StaleForm) == (
        ("The conclusion was edited after you opened it. Read the new text before signing.", "drafted"),
        ("您打开后结论已被修改。请先阅读新内容再签批。", "drafted"))
    assert not clue.current_conclusion.signatures.exists()


def test_the_drafter_holding_a_signatory_role_is_told_they_may_not_sign(world) -> None:
    from cluedesk.org.models import Membership, Role

    Membership.objects.create(user=world.verifier, unit=world.units["K1"], role=Role.SIGNATORY_1)
    clue = _drafted(world)
    call = lambda: services.sign(clue, acting_user=world.verifier)  # noqa: E731
    assert _in_both_languages(call, services.NotAllowed) == (
        ("The person who drafted the conclusion may not sign it.", "drafted"),
        ("结论起草人不得签批该结论。", "drafted"))
    assert not clue.current_conclusion.signatures.exists()


def test_a_second_holder_of_a_role_already_signed_is_told_the_role_has_signed(world) -> None:
    from cluedesk.org.models import Role

    from .conftest import make_staff

    other = make_staff("another_sig1", world.units["K1"], Role.SIGNATORY_1)
    clue = _drafted(world)
    services.sign(clue, acting_user=world.sig1)
    call = lambda: services.sign(clue, acting_user=other)  # noqa: E731
    assert _in_both_languages(call, services.NotAllowed) == (
        ("The signatory role you hold has already signed this conclusion.", "drafted"),
        ("您所担任的签批角色已签批过该结论。", "drafted"))
    assert list(clue.current_conclusion.signatures.values_list("signer__username", flat=True)) == ["sig1"]


def test_one_holding_two_signatory_roles_signs_in_the_role_asked_for_else_the_first(world) -> None:
    from cluedesk.org.models import Membership, Role

    Membership.objects.create(user=world.sig1, unit=world.units["K1"], role=Role.SIGNATORY_2)
    clue = _drafted(world)
    services.sign(clue, acting_user=world.sig1, role="signatory_2")
    assert list(clue.current_conclusion.signatures.values_list("role", flat=True)) == ["signatory_2"]
    assert Event.objects.filter(subject_id=clue.public_id).latest("id").data["role"] == "signatory_2"

    other = _drafted(world)
    services.sign(other, acting_user=world.sig1)  # no role asked for: the first of the signatory roles
    assert list(other.current_conclusion.signatures.values_list("role", flat=True)) == ["signatory_1"]


def test_each_signature_writes_one_event_naming_the_role_the_unit_and_how_many_have_signed(world) -> None:
    w = world
    clue = _drafted(w)
    conclusion = clue.current_conclusion
    seen = []
    for who in ("sig2", "sig1", "sig3"):
        services.sign(clue, acting_user=w.people[who])
        seen.append(Event.objects.filter(subject_id=clue.public_id).latest("id"))
    v = clue.version
    assert [e.verb for e in seen] == ["clue.sign"] * 3
    assert [e.data for e in seen] == [
        {"from": "drafted", "to": "drafted", "version": v + 1, "conclusion": conclusion.pk, "revision": 1,
         "role": "signatory_2", "unit": w.units["K1"].pk, "signatures": 1},
        {"from": "drafted", "to": "drafted", "version": v + 2, "conclusion": conclusion.pk, "revision": 1,
         "role": "signatory_1", "unit": w.units["K1"].pk, "signatures": 2},
        {"from": "drafted", "to": "signed", "version": v + 3, "conclusion": conclusion.pk, "revision": 1,
         "role": "signatory_3", "unit": w.units["C1"].pk, "signatures": 3},
    ]
    conclusion.refresh_from_db()
    assert conclusion.final is True


def test_one_who_signs_in_a_role_taken_a_moment_ago_is_told_so(world, monkeypatch) -> None:
    """Two holders of one role sign at the same moment: the second read the role as free before the
    first's signature was written (simulated here by hiding it from that read); the database refuses
    the second signature and the signer is told, in their language, that someone just signed."""
    from cluedesk.org.models import Role

    from .conftest import make_staff

    other = make_staff("another_sig1", world.units["K1"], Role.SIGNATORY_1)
    clue = _drafted(world)
    services.sign(clue, acting_user=other)
    events = Event.objects.count()
    monkeypatch.setattr(Conclusion, "valid_signatures", lambda self: self.signatures.none())
    call = lambda: services.sign(clue, acting_user=world.sig1)  # noqa: E731
    assert _in_both_languages(call, services.StaleForm) == (
        ("Someone signed in this role a moment ago.", "drafted"), ("刚才已有人以该角色签批。", "drafted"))
    assert list(clue.current_conclusion.signatures.values_list("signer__username", flat=True)) == ["another_sig1"]
    assert Event.objects.count() == events


# --- concluding ---------------------------------------------------------------------------------

def _signed(world: Any) -> Clue:
    clue = _drafted(world)
    for who in ("sig1", "sig2", "sig3"):
        services.sign(clue, acting_user=world.people[who])
    clue.refresh_from_db()
    assert clue.state == S.SIGNED
    return clue


def test_concluding_cannot_be_folded_into_a_larger_transaction(world) -> None:
    clue = _signed(world)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.conclude(clue, acting_user=world.dispatcher)


def test_concluding_on_a_form_opened_before_a_change_is_refused_as_stale(world) -> None:
    clue = _signed(world)
    with pytest.raises(services.StaleForm) as refused:
        services.conclude(clue, acting_user=world.dispatcher, version=clue.version - 1)
    assert refused.value.state == "signed"
    clue.refresh_from_db()
    assert clue.state == S.SIGNED and clue.concluded_at is None


def test_concluding_records_when_and_concluding_twice_changes_nothing_the_second_time(world) -> None:
    from django.utils import timezone

    clue = _signed(world)
    before = timezone.now()
    assert services.conclude(clue, acting_user=world.dispatcher, version=clue.version).changed is True
    after = timezone.now()
    clue.refresh_from_db()
    assert clue.state == S.CONCLUDED and before <= clue.concluded_at <= after
    events = Event.objects.count()
    again = services.conclude(clue.pk, acting_user=world.dispatcher)
    assert again.changed is False and again.event is None
    assert isinstance(again.clue, Clue) and again.clue.pk == clue.pk and again.clue.state == S.CONCLUDED
    assert Event.objects.count() == events


def test_a_signed_clue_without_a_final_draft_cannot_be_concluded_and_says_so(world) -> None:
    clue = world.clue(state=S.SIGNED, unit=world.units["K1"], mode="local")
    call = lambda: services.conclude(clue, acting_user=world.dispatcher)  # noqa: E731
    expected = (("The conclusion needs its three signatures first.", ""), ("结论须先经三人签批。", ""))
    assert _in_both_languages(call, services.InvalidInput) == expected  # no draft at all
    Conclusion.objects.create(clue=clue, unit=world.units["K1"], drafter=world.verifier, finding="partly",
                              outcome="admin_penalty", summary="s", public_wording="p")
    assert _in_both_languages(call, services.InvalidInput) == expected  # a draft, not final
    clue.refresh_from_db()
    assert clue.state == S.SIGNED and clue.concluded_at is None


# --- drafting: what a draft must say ------------------------------------------------------------

DRAFT = {"finding": "substantiated", "summary": "Ledgers and witnesses.", "public_wording": "Verified; acted upon."}


def _verifying(world: Any) -> Clue:
    return world.clue(S.VERIFYING, unit=world.units["K1"], mode="local")


@pytest.mark.parametrize(("given", "english", "chinese"), [
    ({"finding": "proven", "outcome": "discipline"}, "Choose a finding.", "请选择核查结论。"),
    ({"finding": "substantiated", "outcome": "jail"}, "Choose an outcome.", "请选择处理结果。"),
    ({"finding": "substantiated", "outcome": "discipline", "also_outcomes": ["jail"]},
     "Choose the further outcomes from the list.", "请从列表中选择其他处理结果。"),
    ({"finding": "substantiated", "outcome": "no_action", "also_outcomes": ["discipline"]},
     "“No action” cannot be combined with another outcome.", "“不予处理”不能与其他处理结果同时选择。"),
    ({"finding": "substantiated", "outcome": "discipline", "also_outcomes": ["criminal_case"]},
     "A criminal case needs its case number.", "刑事立案须填写案件编号。"),
    ({"finding": "substantiated", "outcome": "criminal_case", "case_number": "7" * 65},
     "The case number is too long (at most 64 characters).", "案件编号过长（最多 64 个字符）。"),
    ({"finding": "substantiated", "outcome": "discipline", "summary": " \n "},
     "The internal summary is required.", "内部摘要为必填项。"),
    ({"finding": "substantiated", "outcome": "discipline", "summary": "s" * 20001},
     "The internal summary is too long (at most 20000 characters).", "内部摘要过长（最多 20000 个字符）。"),
    ({"finding": "substantiated", "outcome": "discipline", "public_wording": ""},
     "The wording for the reporter is required.", "向举报人反馈的措辞为必填项。"),
    ({"finding": "substantiated", "outcome": "discipline", "public_wording": "p" * 2001},
     "The wording for the reporter is too long (at most 2000 characters).", "向举报人反馈的措辞过长（最多 2000 个字符）。"),
])
def test_a_draft_that_does_not_say_what_it_must_is_refused_in_the_readers_language(world, given, english,
                                                                                   chinese) -> None:
    clue = _verifying(world)
    text = {"summary": DRAFT["summary"], "public_wording": DRAFT["public_wording"], **given}
    call = lambda: services.draft_conclusion(clue, acting_user=world.verifier, **text)  # noqa: E731
    assert _in_both_languages(call, services.InvalidInput) == ((english, ""), (chinese, ""))
    assert not Conclusion.objects.filter(clue=clue).exists()


def test_a_case_number_of_64_a_summary_of_20000_and_a_wording_of_2000_characters_are_kept(world) -> None:
    clue = _verifying(world)
    services.draft_conclusion(clue, acting_user=world.verifier, finding="substantiated", outcome="criminal_case",
                              case_number="7" * 64, summary="s" * 20000, public_wording="p" * 2000)
    c = Clue.objects.get(pk=clue.pk).current_conclusion
    assert (c.case_number, c.summary, c.public_wording) == ("7" * 64, "s" * 20000, "p" * 2000)


def test_drafting_cannot_be_folded_into_a_larger_transaction(world) -> None:
    clue = _verifying(world)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.draft_conclusion(clue, acting_user=world.verifier, outcome="discipline", **DRAFT)


def test_a_draft_on_a_form_opened_before_a_change_is_refused_as_stale(world) -> None:
    clue = _verifying(world)
    old = clue.version
    services.add_note(clue, acting_user=world.verifier_b, text="Visited the site.", token="t-1")
    with pytest.raises(services.StaleForm) as refused:
        services.draft_conclusion(clue, acting_user=world.verifier, outcome="discipline", version=old, **DRAFT)
    assert refused.value.state == "verifying"
    assert not Conclusion.objects.filter(clue=clue).exists()


def test_a_draft_sent_twice_changes_nothing_the_second_time(world) -> None:
    clue = _verifying(world)
    version = clue.version
    first = services.draft_conclusion(clue, acting_user=world.verifier, outcome="discipline", version=version,
                                      **DRAFT)
    assert first.changed is True
    events = Event.objects.count()
    again = services.draft_conclusion(clue.public_id, acting_user=world.verifier, outcome="discipline",
                                      version=version, **DRAFT)
    assert again.changed is False and again.event is None
    assert isinstance(again.clue, Clue) and again.clue.pk == clue.pk and again.clue.state == S.DRAFTED
    assert Conclusion.objects.filter(clue=clue).count() == 1
    assert Event.objects.count() == events


def test_a_new_draft_after_a_refusal_replaces_the_refused_one(world) -> None:
    clue = _drafted(world)
    refused = clue.current_conclusion
    services.refuse_signature(clue, acting_user=world.sig1, reason="Not evidenced.")
    services.draft_conclusion(clue, acting_user=world.verifier, outcome="discipline", **DRAFT)
    refused.refresh_from_db()
    new = Clue.objects.get(pk=clue.pk).current_conclusion
    assert refused.superseded is True and new.pk != refused.pk and new.superseded is False
    assert list(Conclusion.objects.filter(clue=clue, superseded=False)) == [new]


def test_further_outcomes_are_kept_in_the_lists_order_once_each_and_the_event_names_them(world) -> None:
    """The order of the outcome list (criminal case, administrative penalty, discipline, transferred),
    whatever order they were ticked in; the main outcome is not repeated among them."""
    clue = _verifying(world)
    services.draft_conclusion(clue, acting_user=world.verifier, outcome="transferred", case_number="2026-17",
                              also_outcomes=["discipline", "transferred", "criminal_case", "admin_penalty",
                                             "discipline"], **DRAFT)
    c = Clue.objects.get(pk=clue.pk).current_conclusion
    assert c.outcomes == ["transferred", "criminal_case", "admin_penalty", "discipline"]
    event = Event.objects.filter(subject_id=clue.public_id).latest("id")
    assert event.verb == "clue.draft_conclusion"
    assert event.data == {"from": "verifying", "to": "drafted", "version": clue.version + 1, "conclusion": c.pk,
                          "revision": 1, "finding": "substantiated", "outcome": "transferred",
                          "case_number": "2026-17", "also_outcomes": ["criminal_case", "admin_penalty", "discipline"],
                          "digest": keyed("Ledgers and witnesses.\x1fVerified; acted upon.")}


def test_an_edit_sent_twice_with_further_outcomes_changes_nothing_the_second_time(world) -> None:
    """The double click again, on a draft with a further outcome: the same words are the same
    edit, further outcomes included."""
    clue = _drafted(world)
    form_version = clue.version
    first = services.edit_conclusion(clue, acting_user=world.verifier, outcome="discipline", version=form_version,
                                     also_outcomes=["criminal_case"], case_number="2026-17", **EDIT)
    assert first.changed is True
    again = services.edit_conclusion(clue, acting_user=world.verifier, outcome="discipline", version=form_version,
                                     also_outcomes=["criminal_case"], case_number="2026-17", **EDIT)
    assert again.changed is False and again.event is None
    c = Clue.objects.get(pk=clue.pk).current_conclusion
    assert (c.revision, c.outcomes) == (2, ["discipline", "criminal_case"])


def test_the_draft_s_own_words_on_a_form_opened_before_a_signature_are_refused_as_stale(world) -> None:
    """Only an edit repeats an edit: after a signature, a form opened before it is stale even when
    it carries the draft's words unchanged (the signer signed what it said then)."""
    clue = _drafted(world)
    old = clue.version
    services.sign(clue, acting_user=world.sig1)
    with pytest.raises(services.StaleForm):
        services.edit_conclusion(clue, acting_user=world.verifier, finding="partly", outcome="admin_penalty",
                                 summary="Fines issued.", public_wording="Partly verified; penalties imposed.",
                                 version=old)
    clue.refresh_from_db()
    assert clue.last_verb == "sign" and clue.current_conclusion.valid_signatures().count() == 1


def test_an_invalid_edit_on_an_old_form_is_no_repeat(world) -> None:
    """After an edit, a form opened before it that says something invalid did not happen already:
    it is refused, not answered with "nothing changed"."""
    clue = _drafted(world)
    form_version = clue.version
    services.edit_conclusion(clue, acting_user=world.verifier, outcome="discipline", version=form_version, **EDIT)
    with pytest.raises((services.StaleForm, services.InvalidInput)):
        services.edit_conclusion(clue, acting_user=world.verifier, outcome="no-such-outcome", version=form_version,
                                 **EDIT)
