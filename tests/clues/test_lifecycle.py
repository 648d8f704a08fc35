"""A clue walked from a public report to a reviewed conclusion through the services, per mode."""

from __future__ import annotations

import pytest

from cluedesk.clues import services
from cluedesk.clues.models import Assignment, Clue, Conclusion
from cluedesk.intake import services as intake
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, verify
from cluedesk.triage import services as triage_services
from tests.queue import run_queue

pytestmark = pytest.mark.django_db

TEAMS = {
    # mode: (unit, verifier, first two signatories)
    "local": ("K1", "verifier", ("sig1", "sig2")),
    "offsite": ("K2", "verifier_k2", ("sig1_k2", "sig2_k2")),
    "upgraded": ("C1", "verifier_c1", ("sig1_c1", "sig2_c1")),
}


def open_in_furong(world):
    """Same-matter grouping and routing are triage's; these tests stand in for them: a new clue
    in Furong county per report."""

    def attach_or_open(report, *precomputed):
        clue = Clue.objects.create(division=world.divisions["430102"], report_count=1)
        return clue, {"clue": clue.public_id, "decision": "opened"}

    return attach_or_open


@pytest.mark.parametrize("mode", ["local", "offsite", "upgraded"])
def test_it_walks_a_report_to_a_reviewed_conclusion(world, mode, monkeypatch) -> None:
    monkeypatch.setattr(triage_services, "attach_or_open", open_in_furong(world))
    unit_key, verifier_name, (s1, s2) = TEAMS[mode]
    w = world
    report, code = intake.submit_report(text="A gang runs the sand quarry on the river and beats villagers.",
                                        place_text="Furong", name="Wang Fang", contact="13800000000",
                                        channel="web", actor=Actor.reporter())
    run_queue()  # triage, as a worker would a moment later
    report.refresh_from_db()
    clue = report.clue
    assert clue.state == Clue.State.NEW

    services.screen_valid(clue, acting_user=w.reviewer, division="430102", priority="high",
                          category="illegal_mining", version=clue.version)
    clue.refresh_from_db()
    services.assign(clue, acting_user=w.dispatcher, unit=w.units[unit_key], mode=mode, version=clue.version)
    clue.refresh_from_db()
    assert (clue.state, clue.unit_id, clue.mode) == (Clue.State.ASSIGNED, w.units[unit_key].pk, mode)
    assert clue.deadline is not None

    verifier = w.people[verifier_name]
    services.start_verification(clue, acting_user=verifier, version=clue.version)
    services.add_note(clue, acting_user=verifier, text="Interviewed the quarry guard: SECRET-INTERNAL-NOTE",
                      kind="interview")
    services.request_extension(clue, acting_user=verifier, days=10, reason="Waiting for bank records")
    clue.refresh_from_db()
    before = clue.deadline
    services.decide_extension(clue, acting_user=w.dispatcher, approve=True)
    clue.refresh_from_db()
    assert (clue.deadline - before).days == 10

    services.draft_conclusion(clue, acting_user=verifier, finding="substantiated", outcome="criminal_case",
                              case_number="CS-2026-001", summary="Three suspects identified.",
                              public_wording="Your report was verified; a criminal case has been opened.",
                              version=clue.version)
    clue.refresh_from_db()
    assert clue.state == Clue.State.DRAFTED
    services.sign(clue, acting_user=w.people[s1])
    services.sign(clue, acting_user=w.people[s2])
    clue.refresh_from_db()
    assert clue.state == Clue.State.DRAFTED
    services.sign(clue, acting_user=w.sig3)
    clue.refresh_from_db()
    assert clue.state == Clue.State.SIGNED
    assert clue.current_conclusion.final

    services.conclude(clue, acting_user=w.dispatcher, version=clue.version)
    clue.refresh_from_db()
    services.review_keep(clue, acting_user=w.supervisor, reason="Sound.", version=clue.version)
    clue.refresh_from_db()
    assert clue.state == Clue.State.REVIEWED

    # the reporter sees public steps only, in public wording
    status = intake.status_of(intake.find_report(code))
    kinds = [s.kind for s in status.steps]
    assert kinds == ["received", "under_review", "verifying", "concluded"]
    assert status.steps[-1].outcome == "Your report was verified; a criminal case has been opened."
    assert not any("SECRET-INTERNAL-NOTE" in s.outcome for s in status.steps)

    verbs = list(Event.objects.filter(subject_type="clue", subject_id=clue.public_id, verb__startswith="clue.")
                 .values_list("verb", flat=True))
    assert verbs == ["clue.screen_valid", "clue.assign", "clue.start_verification", "clue.add_note",
                     "clue.request_extension", "clue.decide_extension", "clue.draft_conclusion",
                     "clue.sign", "clue.sign", "clue.sign", "clue.conclude", "clue.review_keep"]
    assert verify().ok


def test_a_review_reopens_and_reassigns_with_an_accountability_record(world) -> None:
    w = world
    clue = w.clue(Clue.State.SCREENED)
    services.assign(clue, acting_user=w.dispatcher, unit=w.units["K1"], mode="local")
    services.start_verification(clue, acting_user=w.verifier)
    services.draft_conclusion(clue, acting_user=w.verifier, finding="unsubstantiated", outcome="no_action",
                              summary="Nothing found.", public_wording="Not substantiated.")
    for s in ("sig1", "sig2", "sig3"):
        services.sign(clue, acting_user=w.people[s])
    services.conclude(clue, acting_user=w.dispatcher)
    services.review_reopen(clue, acting_user=w.supervisor, reason="The guard was never interviewed.",
                           unit=w.units["C1"], mode="upgraded",
                           accountability=services.AccountabilityInput(w.units["K1"], "Key witness skipped",
                                                                       measure="Criticised in a notice"))
    clue.refresh_from_db()
    assert clue.state == Clue.State.ASSIGNED and clue.unit == w.units["C1"] and clue.mode == "upgraded"
    assert clue.reviews.get().outcome == "reopened"
    assert clue.accountability.get().unit == w.units["K1"]
    assert Assignment.objects.filter(clue=clue, active=True).count() == 1
    assert not Conclusion.objects.filter(clue=clue, superseded=False).exists()
    # the new team takes it up
    services.start_verification(clue, acting_user=w.verifier_c1)
    assert verify().ok


def test_screening_out_invalid_transferred_and_merged(world) -> None:
    w = world
    a, b, c, target = (w.clue() for _ in range(4))
    services.screen_invalid(a, acting_user=w.reviewer, reason="No facts given")
    services.transfer(b, acting_user=w.reviewer, body="Market regulation bureau")
    services.merge(c, acting_user=w.reviewer, into=target.public_id)
    for clue, state in ((a, "invalid"), (b, "transferred"), (c, "merged")):
        clue.refresh_from_db()
        assert clue.state == state
    c.refresh_from_db()
    assert c.merged_into == target
    with pytest.raises(services.InvalidInput):
        services.screen_invalid(w.clue(), acting_user=w.reviewer, reason="   ")
