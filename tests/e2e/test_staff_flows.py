"""Staff in a real browser at desk width: a clue from screening to conclusion (seven people, each
signing in with a password and a TOTP code or a session), the supervisor's dashboard with a
drill-down and downloads, and a custodian's identity disclosure opened once by the requester."""

from __future__ import annotations

import zipfile

import pytest

from cluedesk.clues.models import Clue
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from cluedesk.vault.models import DisclosureRequest
from tests.org.factories import world

from .conftest import DESK
from .data import reported_clue, sign_in, ui_sign_in, ui_sudo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    w = world()
    report, code, clue = reported_clue(w)
    return w, report, code, clue


def act(page, clue, verb, fill=None) -> None:
    """Open the action's panel on the clue page, fill it, send it, and wait for the clue page again."""
    form = page.locator(f"form[action='/staff/clues/{clue.public_id}/act/{verb}/']")
    details = page.locator("details.action", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    if fill:
        fill(form)
    with page.expect_navigation():
        form.locator("button").last.click()
    page.wait_for_selector("header.cluehead")


def signed_out(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/staff/logout/'] button").click()


def state_of(clue) -> str:
    clue.refresh_from_db()
    return clue.state


def test_a_clue_is_screened_assigned_verified_drafted_signed_three_times_and_concluded(new_page, shot, team,
                                                                                       live_server):
    w, _report, _code, clue = team
    s = w.staff
    page = new_page(locale="en-GB", viewport=DESK)
    url = f"/staff/clues/{clue.public_id}/"

    ui_sign_in(page, s["intake_reviewer"], next_path=url)
    shot(page, "staff-flow-01-new")
    assert page.locator(".badge.state-new").count() == 1

    def screen(form):
        form.locator("select[name=priority]").select_option("high")
        form.locator("input[name=division]").fill(w.county.division_id)
    act(page, clue, "screen_valid", screen)
    assert state_of(clue) == Clue.State.SCREENED
    signed_out(page)

    ui_sign_in(page, s["dispatcher"], next_path=url)

    def assign(form):
        select = form.locator("select[name=unit_mode]")
        local = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)")
                 if v.startswith("local:")]
        select.select_option(local[0])
    act(page, clue, "assign", assign)
    assert state_of(clue) == Clue.State.ASSIGNED and clue.unit_id == w.county.pk
    shot(page, "staff-flow-02-assigned")
    signed_out(page)

    ui_sign_in(page, s["verifier"], next_path=url)
    act(page, clue, "start_verification")
    assert state_of(clue) == Clue.State.VERIFYING

    def draft(form):
        form.locator("select[name=finding]").select_option("substantiated")
        form.locator("select[name=outcome]").select_option("criminal_case")
        form.locator("[name=case_number]").fill("LY-2026-017")
        form.locator("[name=summary]").fill("Interviewed six stall holders; three suspects identified.")
        form.locator("[name=public_wording]").fill("Your report was verified; a criminal case has been opened.")
    act(page, clue, "draft_conclusion", draft)
    assert state_of(clue) == Clue.State.DRAFTED
    shot(page, "staff-flow-03-drafted")

    # The three signatures: each signatory in a browser of their own (signed in by session here;
    # the password-and-code pages are walked above).
    for role in ("signatory_1", "signatory_2", "signatory_3"):
        signer = new_page(locale="zh-CN" if role == "signatory_2" else "en-GB", viewport=DESK)
        sign_in(signer.context, live_server.url, s[role])
        signer.goto(url)
        act(signer, clue, "sign")
        shot(signer, f"staff-flow-04-{role}")
    assert state_of(clue) == Clue.State.SIGNED
    assert page.goto(url) and page.locator("section.card li", has_text="✔").count() == 3
    signed_out(page)

    ui_sign_in(page, s["dispatcher"], next_path=url)
    act(page, clue, "conclude")
    assert state_of(clue) == Clue.State.CONCLUDED
    shot(page, "staff-flow-05-concluded")
    events = Event.objects.filter(subject_type="clue", subject_id=clue.public_id, verb__startswith="clue.")
    # a reporter's photo, when the clue's reports carry one, is shown as a thumbnail on each visit to
    # the clue page: each showing is an opening of the file, ledgered with who saw it (clues/files.py)
    shown = events.filter(verb="clue.file_opened")
    assert {e.data["how"] for e in shown} <= {"thumbnail"}
    verbs = list(events.exclude(verb="clue.file_opened").values_list("verb", flat=True))
    assert verbs == ["clue.screen_valid", "clue.assign", "clue.start_verification", "clue.draft_conclusion",
                     "clue.sign", "clue.sign", "clue.sign", "clue.conclude"]
    assert Event.objects.filter(verb="staff.signed_in").count() == 4
    assert verify().ok


def test_a_supervisor_reads_the_dashboard_drills_down_and_downloads(new_page, shot, team, live_server, tmp_path):
    w, *_ = team
    page = new_page(locale="zh-CN", viewport=DESK)
    ui_sign_in(page, w.staff["supervisor"], next_path="/staff/supervision/")
    assert page.locator("h1").count() >= 1
    shot(page, "supervisor-01-dashboard")

    # Drill down: a figure on the dashboard opens the clue queue filtered to what it counts.
    link = page.locator("main a[href^='/staff/clues/']").first
    with page.expect_navigation():
        link.click()
    assert "/staff/clues/" in page.url
    shot(page, "supervisor-02-drilldown")

    page.goto("/staff/supervision/bulletin/")
    shot(page, "supervisor-03-bulletin")
    xlsx = page.locator("a[href*='bulletin.xlsx']").first
    with page.expect_download() as download:
        xlsx.click()
    saved = tmp_path / "bulletin.xlsx"
    download.value.save_as(saved)
    assert zipfile.is_zipfile(saved) and "xl/workbook.xml" in zipfile.ZipFile(saved).namelist()

    # The clue list's export is sensitive: "confirm it is you" first, then the file.
    page.goto("/staff/clues/")
    with page.expect_navigation():
        page.locator("a[href*='/staff/clues/export/']").first.click()
    assert "/staff/sudo/" in page.url
    shot(page, "supervisor-04-confirm-before-export")
    with page.expect_download() as download:
        ui_sudo(page, w.staff["supervisor"])
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.stat().st_size > 0


def test_a_custodian_approves_a_disclosure_and_the_requester_views_it_once(new_page, shot, team, live_server):
    w, report, _code, clue = team
    from cluedesk.clues import services as clues

    s = w.staff
    clues.screen_valid(clue, acting_user=s["intake_reviewer"], division=w.county.division_id, priority="high",
                       category="")
    clues.assign(clue, acting_user=s["dispatcher"], unit=w.county, mode="local")
    clues.start_verification(clue, acting_user=s["verifier"])

    asker = new_page(locale="en-GB", viewport=DESK)
    ui_sign_in(asker, s["verifier"], next_path=f"/staff/vault/clues/{clue.public_id}/request/")
    asker.locator("textarea[name=reason], input[name=reason]").fill(
        "Two stall holders named a witness; we must interview the reporter to find them.")
    with asker.expect_navigation():
        asker.locator("main form button[type=submit]").click()
    req = DisclosureRequest.objects.get(clue=clue)
    assert req.state == DisclosureRequest.State.REQUESTED
    shot(asker, "vault-01-asked")

    custodian = new_page(locale="zh-CN", viewport=DESK)
    detail = f"/staff/vault/requests/{req.pk}/"
    ui_sign_in(custodian, s["custodian"], next_path=detail)

    def decide() -> None:
        custodian.locator("input[name=decision][value=approve]").check()
        custodian.locator("input[name=passphrase]").fill("test custodian passphrase")
        custodian.locator("[name=note]").fill("理由充分，同意。")
        with custodian.expect_navigation(timeout=90_000):
            custodian.locator(f"form[action='{detail}decide/'] button").click(no_wait_after=True)

    decide()
    # Approving is sensitive: password and a fresh code first, then back to the request.
    assert "/staff/sudo/" in custodian.url
    ui_sudo(custodian, s["custodian"])
    custodian.wait_for_url(f"**{detail}")
    req.refresh_from_db()
    assert req.state == DisclosureRequest.State.REQUESTED  # nothing ran before the confirmation
    decide()
    req.refresh_from_db()
    assert req.state == DisclosureRequest.State.APPROVED and req.decided_by == s["custodian"]
    shot(custodian, "vault-02-approved")

    asker.goto(detail)
    with asker.expect_navigation():
        asker.locator(f"form[action='{detail}open/'] button").click()
    assert "/staff/sudo/" in asker.url
    ui_sudo(asker, s["verifier"])
    asker.wait_for_url(f"**{detail}")
    with asker.expect_navigation():
        asker.locator(f"form[action='{detail}open/'] button").click()
    identity = asker.locator("main").inner_text()
    assert "李四" in identity and "13800000000" in identity
    shot(asker, "vault-03-identity-once")

    # Once only: asked again, it is gone.
    asker.goto(detail)
    assert asker.locator(f"form[action='{detail}open/']").count() == 0
    req.refresh_from_db()
    assert req.state == DisclosureRequest.State.VIEWED
    assert Event.objects.filter(verb__startswith="vault.").count() >= 3
