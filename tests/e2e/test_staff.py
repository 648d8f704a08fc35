"""A staff member in a real browser: password, TOTP, a phone report entered by hand."""

from __future__ import annotations

import pytest

from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from tests.org.factories import current_code, make_staff, make_unit, totp_device

from .conftest import CODE, DESK

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long staff password for the browser test"


@pytest.fixture
def reviewer(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    unit = make_unit("Liuyang anti-gang office", "430181")
    person = make_staff("liuyang-intake-e2e", unit, "intake_reviewer", password=PASSWORD)
    totp_device(person)
    return person


def test_a_reviewer_signs_in_with_a_totp_code_and_enters_a_phone_report(new_page, shot, reviewer):
    page = new_page(locale="en-GB", viewport=DESK)
    page.goto("/staff/reports/new/")
    page.wait_for_url("**/staff/login/**")  # not signed in: the sign-in page
    shot(page, "staff-01-login")
    page.locator("input[name=username]").fill(reviewer.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/staff/login/'] button[type=submit]").click()
    page.wait_for_url("**/staff/login/code/")

    # A wrong code first: refused, still on the code step.
    device = totp_device(reviewer)
    right = current_code(device)
    page.locator("input[name=code]").fill("000000" if right != "000000" else "111111")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form[action='/staff/login/code/'] button[type=submit]").click()
    assert answer.value.status == 400
    page.locator(".errorbox").wait_for()
    assert page.url.endswith("/staff/login/code/")

    page.locator("input[name=code]").fill(current_code(device))
    page.locator("form[action='/staff/login/code/'] button[type=submit]").click()
    page.wait_for_url("**/staff/reports/new/")  # back where the person was going
    assert Event.objects.filter(verb="staff.signed_in", actor_id=str(reviewer.pk)).count() == 1

    page.locator("input[name=channel][value=phone]").check()
    page.locator("[name=text]").fill("来电：县城KTV老板放高利贷，有人被打伤住院。")
    page.locator("[name=place_text]").fill("湖南省长沙市浏阳市")
    page.locator("[name=when_text]").fill("本月初")
    shot(page, "staff-02-report-form")
    page.locator("form.staffform button[type=submit]").click()

    page.wait_for_selector("section.done")
    assert "Report saved" in page.locator("h1").inner_text()
    code = page.locator("p.code.big").inner_text().strip()
    assert CODE.fullmatch(code), code
    shot(page, "staff-03-report-saved")
    report = Report.objects.get()
    assert report.channel == "phone" and report.entered_by_id == reviewer.pk and "高利贷" in report.text
