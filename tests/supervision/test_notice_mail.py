"""A supervision notice's e-mail goes to people who each read their own language, and none of
their languages is known when it leaves: it carries English and Simplified Chinese, the site's
own language first, whichever language the action that sent it was taken in."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from cluedesk.supervision import services
from tests.org.factories import make_division, make_staff, make_unit

from .helpers import move, new_clue

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_clue():
    nation = make_unit("National office", "000000")
    province = make_unit("Hunan office", "430000", parent=nation)
    city = make_unit("Changsha office", "430100", parent=province)
    county = make_unit("Liuyang office", "430181", parent=city)
    boss = make_staff("city-supervisor", city, "supervisor")
    boss.email = "boss@example.org"
    boss.save()
    dispatcher = make_staff("dispatcher", county, "dispatcher")
    clue = new_clue(make_division("430181"))
    move(clue, "verifying", user=dispatcher, unit=county, deadline=timezone.now() - dt.timedelta(days=2))
    return clue


def escalate(capture):
    with capture(execute=True):
        assert services.scan(timezone.now()).escalated
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def test_the_mail_reads_in_english_and_chinese_with_the_sites_language_first(
        overdue_clue, django_capture_on_commit_callbacks):
    message = escalate(django_capture_on_commit_callbacks)
    code = overdue_clue.public_id
    english, chinese = f"Supervision: clue {code} — overdue", f"督办：线索 {code} — "
    assert message.subject.startswith(english + " / " + chinese)
    assert f"Clue {code} was put under supervision: overdue." in message.body
    assert f"线索 {code} 已列入督办：" in message.body
    assert "Unit to take it: Changsha office." in message.body and "承办单位：Changsha office。" in message.body
    assert message.body.index("Ordered:") < message.body.index("督办措施：")


def test_a_site_set_to_chinese_puts_chinese_first(overdue_clue, django_capture_on_commit_callbacks, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    message = escalate(django_capture_on_commit_callbacks)
    code = overdue_clue.public_id
    assert message.subject.startswith(f"督办：线索 {code} — ")
    assert f" / Supervision: clue {code} — overdue" in message.subject
    assert message.body.index("督办措施：") < message.body.index("Ordered:")


def test_a_notice_written_in_chinese_still_mails_the_english(overdue_clue, django_capture_on_commit_callbacks):
    with translation.override("zh-hans"):
        message = escalate(django_capture_on_commit_callbacks)
    code = overdue_clue.public_id
    assert f"Clue {code} was put under supervision: overdue." in message.body
    assert f"线索 {code} 已列入督办：" in message.body


def test_one_language_site_sends_each_sentence_once(settings):
    settings.LANGUAGES = [("en", "English")]
    subject, body = services.in_every_language("Supervision: clue C1 — overdue", "Ordered: watch.\nhttps://x/")
    assert subject == "Supervision: clue C1 — overdue"
    assert body == "Ordered: watch.\nhttps://x/"
