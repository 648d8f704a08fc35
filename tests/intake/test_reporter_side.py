"""The reporter never types twice: refused uploads and texts come back filled in, /track/ keeps a
mistyped code, and the status page shows what was sent and when to expect an answer."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from cluedesk.intake import public_wording, services
from cluedesk.intake.models import PublicStep
from cluedesk.ledger.services import Actor

from .conftest import PDF, PNG, upload

pytestmark = pytest.mark.django_db
TYPED = {"text": "他们每晚在码头收保护费", "place_text": "长沙市岳麓区", "when_text": "去年春天起",
         "who_text": "外号“龙哥”", "name": "张三", "contact": "13800000000"}


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, html[:2000]
    return htmllib.unescape(match.group(1)).strip("\r\n")


def test_a_body_over_the_limit_comes_back_with_every_field_typed(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_REPORT_BYTES = 1024  # 600 kB declared: over the limit, within reading reach
    before = census()
    resp = client.post("/report/", {**TYPED, "files": [upload("p.pdf", PDF + b"0" * 600_000)]})
    html = resp.content.decode()
    assert resp.status_code == 413 and "Nothing was saved" in html and "chosen again" in html
    assert textarea(html, "text") == TYPED["text"]
    for field in ("place_text", "when_text", "name", "contact"):
        assert f'value="{TYPED[field]}"' in html, field
    assert census() == before
    zh = client.post("/report/", {**TYPED, "files": [upload("p.pdf", PDF + b"0" * 600_000)]},
                     HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert textarea(zh, "text") == TYPED["text"] and "Nothing was saved" not in zh


def test_an_oversize_file_keeps_the_fields_sent_before_it(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_FILE_BYTES = 2048
    resp = client.post("/report/", {**TYPED, "files": [upload("big.pdf", PDF + b"0" * 5000)]})
    html = resp.content.decode()
    assert resp.status_code == 413 and textarea(html, "text") == TYPED["text"]
    assert f'value="{TYPED["contact"]}"' in html


def test_the_form_puts_the_files_after_every_typed_field(client: Client) -> None:
    # the browser sends fields in page order: files last, so a refusal mid-file has read them all
    html = client.get("/report/").content.decode()
    files_at = html.index('name="files"')
    for field in ("text", "place_text", "when_text", "who_text", "category", "name", "contact"):
        assert html.index(f'name="{field}"') < files_at, field


def test_the_text_box_says_its_limit_and_never_cuts_a_paste(client: Client, settings) -> None:
    settings.CLUEDESK_MAX_TEXT_CHARS = 20000
    en = client.get("/report/").content.decode()
    box = re.search(r'<textarea name="text"[^>]*>', en).group(0)
    assert "maxlength" not in box and "At most 20,000 characters." in en
    zh = client.get("/report/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "最多 20000 个字符。" in zh and "。最多" in zh


def test_an_overlong_text_comes_back_whole_with_its_count(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_TEXT_CHARS = 100
    before = census()
    long_text = "码头" * 75
    resp = client.post("/report/", {**TYPED, "text": long_text})
    html = resp.content.decode()
    assert resp.status_code == 400 and "at most 100 characters, it has 150" in html
    assert textarea(html, "text") == long_text and f'value="{TYPED["place_text"]}"' in html
    assert census() == before


def test_an_empty_code_asks_for_the_code(client: Client) -> None:
    resp = client.post("/track/", {"code": "  "})
    html = resp.content.decode()
    assert resp.status_code == 400 and "Enter your tracking code" in html and "No report matches" not in html
    zh = client.post("/track/", {"code": ""}, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "请输入" in zh


def test_a_mistyped_code_stays_in_the_box(client: Client) -> None:
    resp = client.post("/track/", {"code": "ABCD-EFGH-JKMN-PQRU"})
    html = resp.content.decode()
    assert resp.status_code == 404 and "No report matches" in html and 'value="ABCD-EFGH-JKMN-PQRU"' in html


def _open(client: Client, code: str, lang: str = "en") -> str:
    client.post("/track/", {"code": code})
    return client.get("/track/status/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def test_the_status_page_shows_what_was_sent_without_the_sealed_parts(client: Client) -> None:
    _, code = services.submit_report(**TYPED, category="illegal_lending", channel="web", actor=Actor.reporter(),
                                     files=[upload("张三的照片.png", PNG)])
    assert "码头收保护费" not in client.get("/track/status/").content.decode()  # not before the code
    html = _open(client, code)
    assert "What you sent" in html and TYPED["text"] in html and TYPED["place_text"] in html
    assert "Loan sharks" in html and "photo or image" in html and "bytes" in html
    assert "张三" not in html and "13800000000" not in html and "张三的照片" not in html  # sealed for the custodian
    zh = _open(client, code, "zh-Hans")
    assert "您提交的内容" in zh and "图片" in zh


def test_the_status_page_says_when_to_expect_an_answer(client: Client) -> None:
    report, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    received = timezone.localtime(report.created_at)
    html = _open(client, code)
    ack = (received + dt.timedelta(days=15)).strftime("%Y-%m-%d")
    feedback = (received + dt.timedelta(days=75)).strftime("%Y-%m-%d")
    assert f"By {ack} you will be told whether your report is taken up (within 15 days" in html
    assert f"By {feedback} you will be told what is being done" in html
    zh = _open(client, code, "zh-Hans")
    assert ack in zh and "15 天" in zh


def test_a_clock_met_says_so(client: Client) -> None:
    from cluedesk.compliance.models import ReportClock

    report, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    now = timezone.now()
    ReportClock.objects.create(report=report, received_at=report.created_at, profile_key="national_anti_gang",
                               ack_due=now + dt.timedelta(days=15), feedback_due=now - dt.timedelta(days=1),
                               acknowledged_at=now)
    html = _open(client, code)
    assert "The office took up your report on" in html and "This date has passed" in html


def test_public_steps_are_shown_in_the_readers_language(client: Client) -> None:
    report, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    with translation.override("zh-hans"):  # staff acted in the Chinese interface
        accepted = translation.gettext("Your report was accepted and will be verified.")
        transferred = translation.gettext("Outside our remit: transferred to %(body)s, which is responsible "
                                          "for this matter.") % {"body": "长沙市市场监督管理局"}
    assert accepted != "Your report was accepted and will be verified."
    for text in (accepted, transferred, "核查已办结，感谢您的举报。"):
        services.record_public_step(kind=PublicStep.Kind.UNDER_REVIEW, outcome=text, report=report)
    en = _open(client, code)
    assert "Your report was accepted and will be verified." in en and accepted not in en
    assert "transferred to 长沙市市场监督管理局, which is responsible" in en
    assert "核查已办结，感谢您的举报。" in en  # staff's own wording stays as written
    zh = _open(client, code, "zh-Hans")
    assert accepted in zh and transferred in zh


def test_english_wording_is_translated_for_a_chinese_reader() -> None:
    with translation.override("zh-hans"):
        assert public_wording.localize("Your report was accepted and will be verified.") == "您的举报已受理，将进行核查。"
        assert public_wording.localize("a note of our own") == "a note of our own"


def test_the_confirmation_prints_as_a_receipt_without_the_code_in_any_address(client: Client, settings) -> None:
    settings.SITE_URL = "https://jubao.example.cn"
    resp = client.post("/report/", {"text": "码头收保护费", "nonce": "n" * 24})
    html = resp.content.decode()
    code = "".join(re.findall(r"<span>([0-9A-Z]{4})</span>", html))
    assert resp.status_code == 201 and len(code) == 16
    assert 'class="printonly"' in html and "https://jubao.example.cn/track/" in html and "print this page" in html
    for url in re.findall(r'(?:href|action|src)="([^"]*)"', html):
        assert code not in url.replace("-", "").upper(), url
