"""The one division chooser of the figures pages (supervision and compliance): 403 for a person
without the role, 404 for a division outside their territory, as ``get_visible_or_404`` answers.
The two copies it replaced disagreed on the first case (supervision answered 404)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from cluedesk.supervision.territory import chosen_division

pytestmark = pytest.mark.django_db


def _ask(user, **params):
    request = RequestFactory().get("/", params)
    request.user = user
    return request


@pytest.mark.parametrize("action", ["supervision_view", "compliance_view"])
def test_a_person_without_the_role_is_refused_not_told_it_is_missing(org_world, action) -> None:
    intake = org_world.staff["intake_reviewer"]  # staff, but holds no role for either page
    with pytest.raises(PermissionDenied):
        chosen_division(_ask(intake), action)
    with pytest.raises(PermissionDenied):
        chosen_division(_ask(intake, division="430181"), action)


@pytest.mark.parametrize("action", ["supervision_view", "compliance_view"])
def test_a_division_outside_the_territory_is_not_found(org_world, action) -> None:
    supervisor = org_world.staff["supervisor"]
    for code in ("430102", "999999"):
        with pytest.raises(Http404):
            chosen_division(_ask(supervisor, division=code), action)
    assert chosen_division(_ask(supervisor), action).code == "430181"  # by default the highest one
    assert chosen_division(_ask(supervisor, division=" 430181 "), action).code == "430181"
