"""A reporter in a real browser: phone size, Chinese and English, JavaScript off and on."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from cluedesk.intake.models import Message, Report

from .conftest import CODE, PHONE

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
    page.locator("form.report button[type=submit]").click()

    page.wait_for_selector("p.code.big")
    code = shown_code(page)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert zh("Your report was received") in page.locator("h1").inner_text()
    shot(page, "zh-nojs-02-code")
    report = Report.objects.get()
    assert report.channel == "web" and "保护费" in report.text

    page.goto("/track/")
    page.locator("input[name=code]").fill(code.lower().replace("-", ""))
    page.locator("form[action='/track/'] button[type=submit]").click()
    page.wait_for_url("**/track/status/")
    timeline = page.locator("ol.timeline li")
    assert timeline.count() >= 1
    assert zh("Received") in timeline.first.inner_text()
    shot(page, "zh-nojs-03-status")

    page.locator("textarea[name=body]").fill("补充：收钱的人开一辆白色面包车。")
    page.locator("form[action='/track/status/'] button[type=submit]").click()
    page.wait_for_url("**/track/status/?sent=1")
    assert zh("Thank you. Your information was added to the report.") in page.locator(".okbox").inner_text()
    mine = page.locator(".msg.mine")
    assert mine.count() == 1 and "白色面包车" in mine.inner_text()
    assert Message.objects.filter(report=report).count() == 1
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
