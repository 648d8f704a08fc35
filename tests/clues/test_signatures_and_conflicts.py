"""Three signatures by three distinct people in three roles; conflict of interest on implicated units."""

from __future__ import annotations

import pytest

from cluedesk.clues import services
from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.org.models import Membership, Role

pytestmark = pytest.mark.django_db


def drafted(world, unit: str = "K1", mode: str = "local", drafter: str = "verifier") -> Clue:
    clue = world.clue(Clue.State.SCREENED)
    services.assign(clue, acting_user=world.dispatcher, unit=world.units[unit], mode=mode)
    services.start_verification(clue, acting_user=world.people[drafter])
    services.draft_conclusion(clue, acting_user=world.people[drafter], finding="partly", outcome="admin_penalty",
                              summary="Fines issued.", public_wording="Partly verified; penalties imposed.")
    clue.refresh_from_db()
    return clue


def test_the_drafter_may_not_sign(world) -> None:
    Membership.objects.create(user=world.verifier, unit=world.units["K1"], role=Role.SIGNATORY_1)
    clue = drafted(world)
    with pytest.raises(services.NotAllowed) as refused:
        services.sign(clue, acting_user=world.verifier)
    assert "drafted" in refused.value.message
    assert not clue.current_conclusion.signatures.exists()


def test_one_person_holding_two_signatory_roles_signs_once(world) -> None:
    Membership.objects.create(user=world.sig1, unit=world.units["K1"], role=Role.SIGNATORY_2)
    clue = drafted(world)
    assert services.sign(clue, acting_user=world.sig1).changed
    assert not services.sign(clue, acting_user=world.sig1).changed
    services.sign(clue, acting_user=world.sig3)
    clue.refresh_from_db()
    assert clue.state == Clue.State.DRAFTED  # two people are not three
    assert clue.current_conclusion.valid_signatures().count() == 2


def test_a_second_signer_in_a_role_already_signed_is_refused(world) -> None:
    from tests.clues.conftest import make_staff

    other = make_staff("another_sig1", world.units["K1"], Role.SIGNATORY_1)
    clue = drafted(world)
    services.sign(clue, acting_user=world.sig1)
    with pytest.raises(services.NotAllowed):
        services.sign(clue, acting_user=other)


def test_signatories_must_sit_in_the_responsible_unit_or_above(world) -> None:
    clue = drafted(world, unit="C1", mode="upgraded", drafter="verifier_c1")
    with pytest.raises(services.NotAllowed):
        services.sign(clue, acting_user=world.sig1)  # K1 is below C1
    services.sign(clue, acting_user=world.sig1_c1)
    services.sign(clue, acting_user=world.sig2_c1)
    services.sign(clue, acting_user=world.sig3)
    clue.refresh_from_db()
    assert clue.state == Clue.State.SIGNED


def test_an_edit_after_a_signature_voids_the_signatures(world) -> None:
    clue = drafted(world)
    services.sign(clue, acting_user=world.sig1)
    services.sign(clue, acting_user=world.sig2)
    old_revision = clue.current_conclusion.revision
    clue.refresh_from_db()
    services.edit_conclusion(clue, acting_user=world.verifier, finding="partly", outcome="admin_penalty",
                             summary="Fines issued.", public_wording="Partly verified; two fines imposed.",
                             version=clue.version)
    conclusion = clue.current_conclusion
    assert conclusion.revision == old_revision + 1
    assert conclusion.valid_signatures().count() == 0
    # a signatory still looking at the old text is told to read the new one
    with pytest.raises(services.StaleForm):
        services.sign(clue, acting_user=world.sig3, revision=old_revision)
    for s in ("sig1", "sig2", "sig3"):
        services.sign(clue, acting_user=world.people[s], revision=conclusion.revision)
    clue.refresh_from_db()
    assert clue.state == Clue.State.SIGNED


def test_an_edit_that_changes_nothing_keeps_the_signatures(world) -> None:
    clue = drafted(world)
    services.sign(clue, acting_user=world.sig1)
    outcome = services.edit_conclusion(clue, acting_user=world.verifier, finding="partly", outcome="admin_penalty",
                                       summary="Fines issued.", public_wording="Partly verified; penalties imposed.")
    assert not outcome.changed
    assert clue.current_conclusion.valid_signatures().count() == 1


def test_a_refusal_sends_the_draft_back_with_a_reason(world) -> None:
    clue = drafted(world)
    services.sign(clue, acting_user=world.sig1)
    with pytest.raises(services.InvalidInput):
        services.refuse_signature(clue, acting_user=world.sig2, reason="  ")
    services.refuse_signature(clue, acting_user=world.sig2, reason="The amounts are not evidenced.")
    clue.refresh_from_db()
    assert clue.state == Clue.State.VERIFYING
    c = clue.current_conclusion
    assert c.returned_reason == "The amounts are not evidenced." and c.valid_signatures().count() == 0
    # a new draft replaces it; signing starts again from zero
    services.draft_conclusion(clue, acting_user=world.verifier, finding="partly", outcome="admin_penalty",
                              summary="Fines issued, receipts attached.", public_wording="Partly verified.")
    assert clue.current_conclusion.pk != c.pk


def test_conclude_needs_three_signatures(world) -> None:
    clue = drafted(world)
    services.sign(clue, acting_user=world.sig1)
    with pytest.raises(services.IllegalTransition):
        services.conclude(clue, acting_user=world.dispatcher)


# --- conflict of interest -------------------------------------------------------------------

def test_an_implicated_unit_is_never_offered_nor_assigned_the_clue(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    services.flag_implicated(clue, acting_user=world.dispatcher_c1, unit=world.units["K1"],
                             official="deputy chief Li")
    clue.refresh_from_db()
    assert clue.umbrella
    options = services.assignment_options(clue)
    assert world.units["K1"] not in options["local"]
    assert world.units["K2"] in options["offsite"] and world.units["C1"] in options["upgraded"]
    with pytest.raises(services.InvalidInput) as refused:
        services.assign(clue, acting_user=world.dispatcher_c1, unit=world.units["K1"], mode="local")
    assert "off-site or upgraded" in refused.value.message
    services.assign(clue, acting_user=world.dispatcher_c1, unit=world.units["K2"], mode="offsite")


def test_an_implicated_unit_and_its_subordinates_cannot_see_the_clue(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    visible = Clue.objects.visible_to
    assert visible(world.verifier).filter(pk=clue.pk).exists()
    ImplicatedUnit.objects.create(clue=clue, unit=world.units["C1"])
    for who in ("verifier", "dispatcher", "supervisor", "sig3", "verifier_k2"):  # C1 and everything below it
        assert not visible(world.people[who]).filter(pk=clue.pk).exists(), who
    assert visible(world.auditor).filter(pk=clue.pk).exists()  # the province above still sees it
    with pytest.raises(services.NotAllowed):
        services.assign(clue, acting_user=world.dispatcher, unit=world.units["P"], mode="upgraded")


def test_an_implicated_unit_cannot_sign(world) -> None:
    clue = drafted(world)
    services.sign(clue, acting_user=world.sig1)
    ImplicatedUnit.objects.create(clue=clue, unit=world.units["C1"])
    with pytest.raises(services.NotAllowed):
        services.sign(clue, acting_user=world.sig3)


def test_flagging_during_verification_takes_the_clue_back_to_dispatch(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    services.assign(clue, acting_user=world.dispatcher, unit=world.units["K1"], mode="local")
    services.start_verification(clue, acting_user=world.verifier)
    services.flag_implicated(clue, acting_user=world.supervisor, unit=world.units["K1"], note="brother-in-law")
    clue.refresh_from_db()
    assert clue.state == Clue.State.SCREENED and clue.unit is None
    assert not clue.assignments.filter(active=True).exists()
    assert not Clue.objects.visible_to(world.verifier).filter(pk=clue.pk).exists()
    services.assign(clue, acting_user=world.dispatcher_c1, unit=world.units["C1"], mode="upgraded")


def test_an_offsite_unit_sees_the_clue_it_is_handed(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    assert not Clue.objects.visible_to(world.verifier_c2).filter(pk=clue.pk).exists()
    services.assign(clue, acting_user=world.dispatcher, unit=world.units["C2"], mode="offsite")
    assert Clue.objects.visible_to(world.verifier_c2).filter(pk=clue.pk).exists()
    services.start_verification(clue, acting_user=world.verifier_c2)
