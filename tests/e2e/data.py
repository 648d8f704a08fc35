"""Rows that give every page something to show, built through the services (no demo seeding:
that loads 3,400 divisions and takes a minute), and a way to open a browser signed in."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cluedesk.ledger.services import Actor
from cluedesk.org.models import Role
from tests.org.factories import World, login_verified, make_staff, world
from tests.queue import run_queue

# The smallest valid PNG (1×1), for an attachment.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082")


@dataclass
class Rich:
    w: World
    everyone: Any      # one person holding every role in the national unit: sees every page
    clue: Any          # a clue in Liuyang with a report (identity sealed), a staff message, a draft
    code: str          # the report's tracking code


def reported_clue(w: World) -> tuple[Any, str, Any]:
    """A web report with a photo and a sealed identity, on a new clue in Liuyang: (report, code, clue)."""
    from cluedesk.intake import services as intake

    report, code = intake.submit_report(
        text="浏阳市集里街道菜市场有一伙人每周向摊主收取保护费，不给就砸摊。", place_text="湖南省长沙市浏阳市",
        when_text="每周一早上", who_text="三名男子", name="李四", contact="13800000000", channel="web",
        files=[SimpleUploadedFile("photo.png", PNG, content_type="image/png")], actor=Actor.reporter())
    assert report.clue is None  # accepted; triage follows after commit
    run_queue()  # triage, as a worker would a moment later
    report.refresh_from_db()
    clue = report.clue
    if clue is None or clue.division_id != w.county.division_id:  # triage placed it elsewhere: put it here
        from cluedesk.clues.models import Clue

        clue = Clue.objects.create(division=w.county.division, report_count=1)
        report.clue = clue
        report.save(update_fields=["clue"])
    return report, code, clue


def rich_world() -> Rich:
    from cluedesk.clues import services as clues
    from cluedesk.intake import services as intake
    from cluedesk.vault import services as vault

    w = world()
    everyone = make_staff("e2e-everyone", w.nation, *Role.values)
    report, code, clue = reported_clue(w)
    s = w.staff
    clues.screen_valid(clue, acting_user=s["intake_reviewer"], division=w.county.division_id, priority="high",
                       category="", version=None)
    clues.assign(clue, acting_user=s["dispatcher"], unit=w.county, mode="local")
    clues.start_verification(clue, acting_user=s["verifier"])
    clues.add_note(clue, acting_user=s["verifier"], text="Interviewed two stall holders.", kind="interview")
    clues.draft_conclusion(clue, acting_user=s["verifier"], finding="substantiated", outcome="criminal_case",
                           case_number="LY-2026-017", summary="Three suspects identified.",
                           public_wording="Your report was verified; a criminal case has been opened.")
    intake.post_staff_message(report, "请问收钱的人有没有固定的车辆？", acting_user=s["verifier"])
    vault.request_disclosure(user=s["verifier"], clue=clue, report_pk=report.pk,
                             reason="We must interview the witness about the market.")
    clue.refresh_from_db()
    return Rich(w, everyone, clue, code)


PASSWORD = "a long staff password for the browser test"


def ui_sign_in(page: Any, user: Any, *, next_path: str = "/staff/") -> None:
    """Sign in through the pages: password, then the current TOTP code computed from the device's secret."""
    from tests.org.factories import current_code, totp_device

    if not user.has_usable_password():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    device = totp_device(user)
    page.goto(f"/staff/login/?next={next_path}")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/staff/login/'] button[type=submit]").click()
    page.wait_for_url("**/staff/login/code/**")
    # a code is accepted once: when this person already used this time step (a second sign-in in
    # the same 30 s), give the next step's code, which the one-step tolerance accepts
    device.refresh_from_db()
    step_now = int((time.time() - device.t0) // device.step)
    offset = 1 if device.last_t >= step_now else 0
    page.locator("input[name=code]").fill(current_code(device, offset))
    page.locator("form[action='/staff/login/code/'] button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def ui_sudo(page: Any, user: Any) -> None:
    """On the "confirm it is you" page: the password and a fresh code (the next time step: the
    current one was used to sign in and may not be used twice)."""
    from tests.org.factories import current_code, totp_device

    page.locator("form[action='/staff/sudo/'] input[type=password]").fill(PASSWORD)
    page.locator("form[action='/staff/sudo/'] input[name=code]").fill(current_code(totp_device(user), 1))
    page.locator("form[action='/staff/sudo/'] button[type=submit]").click()


def sign_in(context: Any, base_url: str, user: Any, *, sudo: bool = False) -> None:
    """Give a browser context the session of ``user`` signed in with a verified second factor
    (the sign-in pages themselves are tested in test_staff.py)."""
    client = login_verified(Client(), user, sudo=sudo)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}])
