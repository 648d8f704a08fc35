"""The clue page during signing: who signed, who still must (and may), and no signing action
offered to a person who has signed, drafted, or whose role is already signed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cluedesk.clues import services, workflow
from tests.clues.conftest import login_verified, make_staff
from tests.clues.test_signatures_and_conflicts import drafted

pytestmark = pytest.mark.django_db


def _page(world, who: str, clue) -> str:
    client = login_verified(Client(), world.people[who])
    response = client.get(f"/staff/clues/{clue.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


def _offers(html: str, verb: str) -> bool:
    return bool(re.search(rf'/act/{verb}/"', html))


def test_after_the_first_signature_the_page_says_who_still_signs_and_offers_the_signer_nothing(world) -> None:
    from cluedesk.org.models import Membership, Role

    Membership.objects.create(user=world.verifier, unit=world.units["K1"], role=Role.SIGNATORY_2)
    clue = drafted(world)
    html = _page(world, "sig1", clue)
    assert _offers(html, "sign") and _offers(html, "refuse_signature")
    assert html.count("still to sign") == 3

    services.sign(clue, acting_user=world.sig1)
    clue.refresh_from_db()
    html = _page(world, "sig1", clue)
    assert not _offers(html, "sign") and not _offers(html, "refuse_signature")
    slots = re.search(r'<ol class="sigslots">(.*?)</ol>', html, re.S).group(1)
    first, second, third = re.findall(r"<li.*?</li>", slots, re.S)
    assert "signed" in first and "sig1" in first
    assert "still to sign" in second and "sig2" in second  # the holder of the second role is named
    assert "still to sign" in third and "sig3" in third and "Changsha office" in third
    assert "verifier" not in second  # the drafter is never offered as a signatory

    html = _page(world, "sig2", clue)  # the others still may
    assert _offers(html, "sign") and _offers(html, "refuse_signature")


def test_the_drafter_and_a_holder_of_a_signed_role_are_not_offered_to_sign(world) -> None:
    from cluedesk.org.models import Membership, Role

    Membership.objects.create(user=world.verifier, unit=world.units["K1"], role=Role.SIGNATORY_2)
    other_sig1 = make_staff("other_sig1", world.units["K1"], Role.SIGNATORY_1)
    clue = drafted(world)
    assert "sign" not in workflow.allowed_verbs(clue, world.verifier)  # drafted it
    services.sign(clue, acting_user=world.sig1)
    clue.refresh_from_db()
    verbs = workflow.allowed_verbs(clue, other_sig1)
    assert "sign" not in verbs and "refuse_signature" in verbs  # role taken; may still send it back
    assert "sign" in workflow.allowed_verbs(clue, world.sig2)
