from __future__ import annotations

import pytest
from django.test import Client

from tests.org.factories import login_verified, make_staff, make_unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "sees", "hidden"), [
    ("supervisor", ["/staff/supervision/", "/staff/clues/", "/staff/poster/"], ["/staff/reports/new/"]),
    ("verifier", ["/staff/clues/"], ["/staff/supervision/", "/staff/reports/new/", "/staff/poster/"]),
    ("intake_reviewer", ["/staff/reports/new/", "/staff/poster/"], ["/staff/supervision/"]),
])
def test_the_staff_menu_offers_only_what_the_role_may_open(role: str, sees: list[str], hidden: list[str]) -> None:
    unit = make_unit("Liuyang anti-gang office", "430181")
    user = make_staff(f"liuyang-{role}", unit, role)
    page = login_verified(Client(), user).get("/staff/clues/").content.decode()
    nav = page[page.index('class="staffnav"'):page.index("</nav>")]
    for href in sees:
        assert f'href="{href}"' in nav
    for href in hidden:
        assert f'href="{href}"' not in nav
