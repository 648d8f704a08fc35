"""A reporter in a real browser: phone size, Chinese and English, JavaScript off and on."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from cluedesk.intake.models import Message, Report

from .conftest import CODE, PHONE
from .data import PNG

pytestmark = pytest.mark.django_db(transaction=True)


def zh(text: str) -> str:
    """The Simplified Chinese the page should show for ``text`` (the app's own catalogue)."""
    with translation.override("zh-hans"):
        translated = str(translation.gettext(text))
    assert translated != text, f"no Chinese for {text!r}"
    return translated


def shown_code(page) -> str:
    """The tracking code on the confirmation page, as 4-4-4-4 (from its label; each group is a span)."""
    box = page.locator("p.code.big")
    groups = box.locator("span").all_inner_texts()
    label = box.get_attribute("aria-label") or ""
    match = CODE.search(label)
    assert match, label
    assert [len(g) for g in groups] == [4, 4, 4, 4] and "-".join(groups) == match.group(0)
    return match.group(0)


def test_a_reporter_without_javascript_in_chinese_on_a_phone_reports_tracks_and_adds_a_message(new_page, shot):
    page = new_page(locale="zh-CN", javascript=False, viewport=PHONE)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    shot(page, "zh-nojs-01-form")
    page.locator("textarea[name=text]").fill("菜市场有一伙人每周向摊主收取“保护费”，不给就砸摊。")
    page.locator("input[name=place_text]").fill("湖南省长沙市浏阳市 集里街道菜市场")
    page.locator("input[name=files]").set_input_files([
        {"name": "摊位.png", "mimeType": "image/png", "buffer": PNG}])
    page.locator("form.report button[type=submit]").click()

    page.wait_for_selector("p.code.big")
    code = shown_code(page)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert zh("Your report was received") in page.locator("h1").inner_text()
    shot(page, "zh-nojs-02-code")
    report = Report.objects.get()
    assert report.channel == "web" and "保护费" in report.text and report.attachments.count() == 1
    from cluedesk.intake import services as intake
    from tests.org.factories import make_staff, make_unit

    verifier = make_staff("e2e-verifier-zh", make_unit("Liuyang anti-gang office", "430181"), "verifier")
    intake.post_staff_message(report, "请问收钱的人大概几点到？", acting_user=verifier)

    page.goto("/track/")
    page.locator("input[name=code]").fill(code.lower().replace("-", ""))
    page.locator("form[action='/track/'] button[type=submit]").click()
    page.wait_for_url("**/track/status/")
    timeline = page.locator("ol.timeline li")
    assert timeline.count() >= 1
    assert zh("Received") in timeline.first.inner_text()
    assert "几点到" in page.locator(".msg.staff").inner_text()
    shot(page, "zh-nojs-03-status")

    page.locator("textarea[name=body]").fill("补充：收钱的人开一辆白色面包车。")
    page.locator("form[action='/track/status/'] button[type=submit]").click()
    page.wait_for_url("**/track/status/?sent=1")
    assert zh("Thank you. Your information was added to the report.") in page.locator(".okbox").inner_text()
    mine = page.locator(".msg.mine")
    assert mine.count() == 1 and "白色面包车" in mine.inner_text()
    assert Message.objects.filter(report=report, direction="in").count() == 1
    shot(page, "zh-nojs-04-message")

    # A wrong but well-formed code and a malformed one get the same refusal, in Chinese.
    refusals = []
    for typed in ("0000-0000-0000-0000", "not a code"):
        page.goto("/track/")
        page.locator("input[name=code]").fill(typed)
        with page.expect_response(lambda r: r.url.endswith("/track/") and r.request.method == "POST") as answer:
            page.locator("form[action='/track/'] button[type=submit]").click()
        assert answer.value.status == 404
        refusals.append(page.locator(".errorbox").inner_text().strip())
    assert refusals[0] == refusals[1] and refusals[0].startswith(zh("No report matches this code.")[:6])
    shot(page, "zh-nojs-05-wrong-code")


def test_an_empty_description_is_refused_in_english_and_keeps_what_was_typed(new_page, shot):
    page = new_page(locale="en-GB", javascript=True, viewport=PHONE)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    typed = {
        "[name=place_text]": "Changsha, the bus station on Furong Road",
        "[name=when_text]": "last Tuesday evening",
        "[name=who_text]": "three men in a grey van",
        "[name=contact]": "a phone number only the custodian may read",
    }
    for selector, value in typed.items():
        page.locator(selector).fill(value)
    page.locator("textarea[name=text]").fill("   ")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form.report button[type=submit]").click()
    assert answer.value.status == 400

    box = page.locator(".errorbox")
    assert "Your report was not sent yet" in box.inner_text()
    assert "Please describe what happened" in box.inner_text()
    field_error = page.locator(".field.has-error .errorlist")
    assert "Please describe what happened" in field_error.inner_text()
    for selector, value in typed.items():
        assert page.locator(selector).input_value() == value
    assert not page.locator("p.code.big").count()
    assert Report.objects.count() == 0
    shot(page, "en-js-empty-text")



def test_a_reporter_with_javascript_in_english_sends_a_photo_reads_the_staff_question_and_answers(new_page, shot):
    """JavaScript on: the form with a file goes through web/busy.js (upload progress), the answer
    replaces the page as a normal submit would."""
    from cluedesk.intake import services as intake
    from tests.org.factories import make_staff, make_unit

    page = new_page(locale="en-GB", javascript=True, viewport=PHONE)
    page.goto("/report/")
    page.locator("textarea[name=text]").fill("A gang collects 'protection fees' from the stalls every Monday.")
    page.locator("input[name=place_text]").fill("Liuyang, Jili street market")
    page.locator("input[name=files]").set_input_files([
        {"name": "stall.png", "mimeType": "image/png", "buffer": PNG}])
    page.locator("form.report button[type=submit]").click()
    page.wait_for_selector("p.code.big")
    code = shown_code(page)
    shot(page, "en-js-01-code-after-upload")
    report = Report.objects.get()
    assert report.attachments.count() == 1 and "protection" in report.text

    # A staff member asks a question (through the service; the staff side has its own tests).
    verifier = make_staff("e2e-verifier-msg", make_unit("Liuyang anti-gang office", "430181"), "verifier")
    intake.post_staff_message(report, "Do the men who collect come in a vehicle?", acting_user=verifier)

    page.goto("/track/")
    page.locator("input[name=code]").fill(code)
    page.locator("form[action='/track/'] button[type=submit]").click()
    page.wait_for_url("**/track/status/")
    staff_msg = page.locator(".msg.staff")
    assert staff_msg.count() == 1 and "vehicle" in staff_msg.inner_text()
    shot(page, "en-js-02-staff-question")

    page.locator("textarea[name=body]").fill("Yes, a white van, plate starting 湘A.")
    page.locator("input[name=files]").set_input_files([
        {"name": "van.png", "mimeType": "image/png", "buffer": PNG}])
    page.locator("form[action='/track/status/'] button[type=submit]").click()
    page.wait_for_selector(".okbox")
    assert page.locator(".msg.mine").count() == 1 and "white van" in page.locator(".msg.mine").inner_text()
    answer = Message.objects.get(report=report, direction="in")
    assert "white van" in answer.body and answer.attachments.count() == 1
    shot(page, "en-js-03-answered")

    # The page the upload wrote in place still sends a plain form (no listener left twice, no
    # button left disabled).
    page.locator("textarea[name=body]").fill("One more thing: they come at seven.")
    with page.expect_navigation():
        page.locator("form[action='/track/status/'] button[type=submit]").click()
    assert page.locator(".msg.mine").count() == 2
    assert Message.objects.filter(report=report, direction="in").count() == 2


@pytest.mark.parametrize("javascript", [False, True])
def test_an_oversize_file_is_refused_in_chinese_and_the_text_is_kept(new_page, shot, settings, javascript):
    settings.CLUEDESK_MAX_FILE_BYTES = 2048
    page = new_page(locale="zh-CN", javascript=javascript, viewport=PHONE)
    page.goto("/")
    text = "工地上有人强迫工人交“介绍费”，不交就不让上工。"
    page.locator("textarea[name=text]").fill(text)
    page.locator("input[name=place_text]").fill("浏阳市 工业园")
    page.locator("input[name=files]").set_input_files([
        {"name": "big.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 8000}])
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form.report button[type=submit]").click()
    assert answer.value.status == 413
    page.wait_for_selector(".errorbox")
    assert "big.pdf" in page.locator(".errorbox").inner_text()
    assert page.locator("textarea[name=text]").input_value() == text
    assert page.locator("input[name=place_text]").input_value() == "浏阳市 工业园"
    assert Report.objects.count() == 0
    shot(page, f"zh-{'js' if javascript else 'nojs'}-oversize")
