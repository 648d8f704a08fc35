"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/intake/services.py
(module "idempotency", issue 22).

Expectations are written by hand from the rules: the same page or API body sent twice is one
report and the first answer comes back; sent again with another attachment it is not; an
uploaded file's digest leaves the file at its start; idempotency keys are forgotten after two
days (docs/operations.md, "forgetting idempotency keys"); a revoked channel token stays revoked
and its revocation is one ledger event about that channel; a public step without wording has
none. Each test names the mutants it kills.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone, translation

from cluedesk.intake import services
from cluedesk.intake.models import ChannelToken, IdempotencyRecord, Message, PublicStep, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor
from cluedesk.vault import content
from tests.queue import run_queue

from .conftest import PDF, PNG, stored_files, upload

pytestmark = pytest.mark.django_db
TEXT = "有人在镇上开设赌场，长期聚众赌博。"


# --- upload digests ---------------------------------------------------------------------------------

def test_the_upload_digest_leaves_the_file_at_its_start() -> None:
    """x_upload_digest__mutmut_4 (seek(1)): whoever reads the upload next reads all of it."""
    photo = upload("photo.png", PNG)
    services.upload_digest(photo)
    assert photo.tell() == 0
    assert photo.read() == PNG


# --- forgetting idempotency keys --------------------------------------------------------------------

def _keyed_report(key: str) -> None:
    services.submit_report(text=TEXT, channel="api:desk", actor=Actor.channel("desk"),
                           idempotency=services.IdempotencyClaim(channel="desk", key=key, body_hash="0" * 64))


def _age(key: str, **delta: float) -> None:
    IdempotencyRecord.objects.filter(key=key).update(created_at=timezone.now() - dt.timedelta(**delta))


def test_idempotency_keys_older_than_two_days_are_forgotten_and_newer_ones_kept() -> None:
    """x_prune_idempotency__mutmut_1, 2, 3 (no test in tests/intake reached it; the cut-off in the
    future or missing forgets every key, or none)."""
    for key in ("three-days", "one-day", "an-hour"):
        _keyed_report(key)
    _age("three-days", days=3)
    _age("one-day", days=1)
    _age("an-hour", hours=1)
    assert services.prune_idempotency() == 1
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["an-hour", "one-day"]
    assert services.prune_idempotency(dt.timedelta(hours=12)) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["an-hour"]


# --- channel tokens -----------------------------------------------------------------------------------

def test_revoking_one_channel_leaves_the_other_channels_tokens_active() -> None:
    """x_revoke_channel_token__mutmut_5 (every active token revoked)."""
    system = Actor.system("test")
    services.create_channel_token("wechat", actor=system)
    services.create_channel_token("phone-desk", actor=system)
    assert services.revoke_channel_token("wechat", actor=system) is True
    assert dict(ChannelToken.objects.values_list("name", "active")) == {"wechat": False, "phone-desk": True}


def test_a_revoked_token_revoked_again_changes_nothing_and_records_nothing() -> None:
    """x_revoke_channel_token__mutmut_6 (an already revoked token "revoked" again: True and a
    second event; the command would say "revoked" instead of "no active token")."""
    system = Actor.system("test")
    services.create_channel_token("wechat", actor=system)
    assert services.revoke_channel_token("wechat", actor=system) is True
    assert services.revoke_channel_token("wechat", actor=system) is False
    assert Event.objects.filter(verb="channel_token.revoked").count() == 1
    assert services.revoke_channel_token("never-issued", actor=system) is False
    assert Event.objects.filter(verb="channel_token.revoked").count() == 1


def test_the_revocation_is_one_ledger_event_about_that_channel() -> None:
    """x_revoke_channel_token__mutmut_12 (no subject), 20 (verb upper-cased), 21, 22 (subject type)."""
    system = Actor.system("cli")
    services.create_channel_token("wechat", actor=system)
    services.revoke_channel_token("wechat", actor=system)
    event = Event.objects.get(verb="channel_token.revoked")
    assert (event.subject_type, event.subject_id, event.data) == ("channel", "wechat", {})
    assert (event.actor_kind, event.actor_id) == ("system", "cli")


# --- public steps -------------------------------------------------------------------------------------

def test_a_public_step_recorded_without_wording_has_none() -> None:
    """x_record_public_step__mutmut_1 (the default wording "XXXX" shown to the reporter)."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    step = services.record_public_step(kind=PublicStep.Kind.UNDER_REVIEW, report=report)
    assert PublicStep.objects.get(pk=step.pk).outcome == ""


def test_a_public_step_needs_a_subject_and_a_known_kind() -> None:
    """The refusals whose texts x_record_public_step__mutmut_5-7, 9 change (judged equivalent:
    a programming error's text); the refusal itself writes nothing."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    events = Event.objects.count()
    with pytest.raises(ValueError):
        services.record_public_step(kind=PublicStep.Kind.UNDER_REVIEW)
    with pytest.raises(ValueError):
        services.record_public_step(kind="published", report=report)
    assert PublicStep.objects.count() == 0 and Event.objects.count() == events


# --- replaying a key: the channel's own key, and that key only -------------------------------------

API = "/api/v1/reports"


def _api_post(client: Client, token: str, body: dict[str, Any], key: str) -> Any:
    return client.post(API, json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY=key)


def test_a_key_resent_by_one_channel_replays_its_own_report_not_another_channels(client: Client) -> None:
    """x_replay__mutmut_4 (the key looked up on every channel: the second channel's retry got the
    first channel's tracking code)."""
    system = Actor.system("test")
    wechat, weibo = (services.create_channel_token(n, actor=system) for n in ("wechat", "weibo"))
    body = {"text": "码头有人收保护费"}
    first = _api_post(client, wechat, body, "msg-1")
    mine = _api_post(client, weibo, body, "msg-1")
    assert first.status_code == mine.status_code == 201
    assert first.json()["tracking_code"] != mine.json()["tracking_code"]
    again = _api_post(client, weibo, body, "msg-1")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["tracking_code"] == mine.json()["tracking_code"]
    assert Report.objects.count() == 2


def test_a_channels_second_key_resent_replays_that_keys_report(client: Client) -> None:
    """x_replay__mutmut_5 (the channel's first key found for any key: a retry of its second
    report was refused as a conflict)."""
    token = services.create_channel_token("wechat", actor=Actor.system("test"))
    one = _api_post(client, token, {"text": "第一份举报"}, "msg-1")
    two = _api_post(client, token, {"text": "第二份举报"}, "msg-2")
    again = _api_post(client, token, {"text": "第二份举报"}, "msg-2")
    assert (one.status_code, two.status_code, again.status_code) == (201, 201, 200)
    assert again.json()["tracking_code"] == two.json()["tracking_code"] != one.json()["tracking_code"]
    assert Report.objects.count() == 2


# --- files of a failed submission ---------------------------------------------------------------------

def test_removing_a_drafts_files_tolerates_one_already_gone() -> None:
    """x__remove__mutmut_1, 2 (missing_ok False: the cleanup stopped at the first missing file,
    left the others on disk, and its FileNotFoundError replaced the caller's own error)."""
    draft = services.draft_report(text=TEXT, channel="web", files=[upload("a.png", PNG), upload("b.pdf", PDF)])
    services.write_files(draft)
    assert len(draft.written) == 2 and sorted(stored_files()) == sorted(draft.written)
    draft.written[0].unlink()
    services.remove_files(draft)
    assert stored_files() == []


# --- messages: the reporter's and the staff's ---------------------------------------------------------

def _refused(call: Any) -> services.InvalidReport:
    with pytest.raises(services.InvalidReport) as exc:
        call()
    return exc.value


def _texts(exc: services.InvalidReport, language: str) -> dict[str, list[str]]:
    with translation.override(language):
        return {k: [str(m) for m in v] for k, v in exc.errors.items()}


def test_an_empty_reporter_message_is_refused_in_english_and_chinese() -> None:
    """x_add_reporter_message__mutmut_13, 15, 16, 17, 19, 22, 23."""
    _report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    refused = _refused(lambda: services.add_reporter_message(code, " \n "))
    assert refused.code == "empty"
    assert _texts(refused, "en") == {"body": ["Write something or attach a file before sending."]}
    assert _texts(refused, "zh-hans") == {"body": ["请先填写内容或添加文件，再发送。"]}


def test_a_reporter_message_of_the_limit_is_kept_and_one_longer_is_refused(settings) -> None:
    """x_add_reporter_message__mutmut_24 (a message of exactly the limit refused), 25-34."""
    settings.CLUEDESK_MAX_TEXT_CHARS = 30
    report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    kept = services.add_reporter_message(code, "补" * 30)
    assert kept.body == "补" * 30
    for language, text in (("en", "The message is too long: at most 30 characters."), ("zh-hans", "留言太长了：最多 30 个字符。")):
        with translation.override(language):  # the limit is filled in as the request is answered
            refused = _refused(lambda: services.add_reporter_message(code, "补" * 31))
        assert refused.code == "too_long"
        assert _texts(refused, language) == {"body": [text]}
    assert report.messages.count() == 1


# zh: the same English sentence is in two catalogues (intake's and clues'), translated two ways
WRITE_FIRST_ZH = {"请先填写留言，再发送。", "请先填写消息再发送。"}


def test_an_empty_staff_message_is_refused_in_english_and_chinese(alice) -> None:
    """x_post_staff_message__mutmut_4-15."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    refused = _refused(lambda: services.post_staff_message(report, "\x00 ", acting_user=alice))
    assert refused.code == "empty"
    assert _texts(refused, "en") == {"body": ["Write a message before sending."]}
    zh = _texts(refused, "zh-hans")
    assert list(zh) == ["body"] and len(zh["body"]) == 1 and zh["body"][0] in WRITE_FIRST_ZH


def test_a_staff_message_of_the_limit_is_sent_and_one_longer_is_refused(settings, alice) -> None:
    """x_post_staff_message__mutmut_16 (a message of exactly the limit refused), 17-31."""
    settings.CLUEDESK_MAX_TEXT_CHARS = 30
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    assert services.post_staff_message(report, "问" * 30, acting_user=alice).body == "问" * 30
    for language, text in (("en", "The message is too long: at most 30 characters."), ("zh-hans", "留言太长了：最多 30 个字符。")):
        with translation.override(language):
            refused = _refused(lambda: services.post_staff_message(report, "问" * 31, acting_user=alice))
        assert refused.code == "too_long"
        assert _texts(refused, language) == {"body": [text]}
    assert report.messages.count() == 1


def test_a_staff_message_names_its_author_and_is_one_event_about_the_report(alice) -> None:
    """x_post_staff_message__mutmut_36, 40 (no author), 44 (no subject), 45, 50 (no data), 54, 55
    (subject type), 56, 57 (the message's key)."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    message = services.post_staff_message(report, "请问事发具体地点？", acting_user=alice)
    assert Message.objects.get(pk=message.pk).author == alice
    event = Event.objects.get(verb="report.message_posted")
    assert (event.actor_kind, event.actor_id) == ("staff", str(alice.pk))
    assert (event.subject_type, event.subject_id) == ("report", str(report.pk))
    assert event.data == {"message": message.pk}


# --- public steps: who recorded them, about what --------------------------------------------------------

def test_a_public_step_on_a_report_is_an_event_by_the_staff_member_about_the_report(alice) -> None:
    """x_record_public_step__mutmut_12 (the staff member forgotten), 32, 33 (subject type), 40
    (no subject), 41, 46 (no data), 49-54 (the data's keys)."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    step = services.record_public_step(kind="under_review", report=report, acting_user=alice,
                                       outcome="Your report was accepted and will be verified.")
    event = Event.objects.get(verb="public_step.recorded")
    assert (event.actor_kind, event.actor_id) == ("staff", str(alice.pk))
    assert (event.subject_type, event.subject_id) == ("report", str(report.pk))
    assert event.data == {"step": step.pk, "kind": "under_review",
                          "digest": content.digest("Your report was accepted and will be verified.")}


def test_a_public_step_on_a_clue_with_no_staff_member_is_intakes_event_about_the_clue() -> None:
    """x_record_public_step__mutmut_17, 18 (the system actor's name), 35, 36 (subject type)."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    run_queue()
    report.refresh_from_db()
    services.record_public_step(kind="concluded", clue=report.clue, outcome="核查已办结，感谢您的举报。")
    event = Event.objects.get(verb="public_step.recorded")
    assert (event.actor_kind, event.actor_id) == ("system", "intake")
    assert (event.subject_type, event.subject_id) == ("clue", report.clue.public_id)


# --- issuing channel tokens ------------------------------------------------------------------------------

def _issue(name: str, **kwargs: Any) -> str:
    return services.create_channel_token(name, actor=Actor.system("cli"), **kwargs)


def _issued_events() -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.subject_type, e.subject_id, e.data)
            for e in Event.objects.filter(verb="channel_token.issued").order_by("seq")]


def test_a_second_token_for_a_channel_needs_replace_and_the_first_keeps_working(client: Client) -> None:
    """x_create_channel_token__mutmut_1 (replace by default: a second ``create`` silently cut off
    the channel's integration)."""
    first = _issue("wechat")
    with pytest.raises(ValueError):
        _issue("wechat")
    assert _api_post(client, first, {"text": TEXT}, "msg-1").status_code == 201
    assert len(_issued_events()) == 1


def test_the_command_says_what_is_wrong_with_a_name_or_a_second_token() -> None:
    """x_create_channel_token__mutmut_9, 10, 11, 25: the operator reads these texts."""
    with pytest.raises(CommandError) as bad:
        call_command("channel-token", "create", "Bad Name!", stdout=StringIO(), stderr=StringIO())
    assert str(bad.value) == "a channel name is 1-40 of a-z, 0-9, - and _, starting with a letter or digit"
    call_command("channel-token", "create", "phone-desk", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError) as twice:
        call_command("channel-token", "create", "phone-desk", stdout=StringIO(), stderr=StringIO())
    assert str(twice.value) == "channel 'phone-desk' already has a token (use --replace to issue a new one)"


def test_a_replaced_token_is_active_the_old_one_refused_and_the_event_says_replaced(client: Client) -> None:
    """x_create_channel_token__mutmut_27, 28 (the new token inactive), 30-32 (not saved), 42, 43,
    48, 50-54, 56 (the event's subject and data)."""
    old = _issue("wechat")
    services.revoke_channel_token("wechat", actor=Actor.system("cli"))
    new = _issue("wechat", replace=True)
    assert new != old and ChannelToken.objects.get(name="wechat").active
    assert _api_post(client, old, {"text": TEXT}, "msg-1").status_code == 401
    assert _api_post(client, new, {"text": TEXT}, "msg-1").status_code == 201
    assert _issued_events() == [("channel", "wechat", {"replaced": False}), ("channel", "wechat", {"replaced": True})]


def test_a_first_token_issued_with_replace_replaced_nothing() -> None:
    """x_create_channel_token__mutmut_55, and a bug it showed: ``existing`` was reassigned to the
    new row before the event was written, so ``create --replace`` for a new channel recorded
    ``replaced: true`` in the ledger although no token was replaced."""
    _issue("phone-desk", replace=True)
    assert _issued_events() == [("channel", "phone-desk", {"replaced": False})]


# --- refusals carry their reason; codes and the status page ------------------------------------------

def test_a_refused_report_says_invalid_in_its_code_and_its_text() -> None:
    """xǁInvalidReportǁ__init____mutmut_1, 2 (the default code), 3 (the exception's text), 5 (no code)."""
    refused = _refused(lambda: services.submit_report(text="  ", channel="web", actor=Actor.reporter()))
    assert refused.code == "invalid" and str(refused) == "invalid"
    assert list(refused.errors) == ["text"]


def test_a_malformed_code_finds_no_report_not_even_the_one_whose_code_is_all_zeros(monkeypatch) -> None:
    """x_find_report__mutmut_12 (the stand-in digest of a malformed code looked up: it found the
    report whose code is 0000-0000-0000-0000, a code as valid as any other)."""
    from cluedesk.intake import tracking

    monkeypatch.setattr(tracking, "new_code", lambda: "0" * 16)
    report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    assert code == "0000000000000000" and services.find_report("0000-0000-0000-0000") == report
    for wrong in ("not a code", "0000-0000-0000", "", "0000-0000-0000-000!"):
        with pytest.raises(services.UnknownCode):
            services.find_report(wrong)


def test_a_report_awaiting_triage_shows_only_its_own_steps() -> None:
    """x_status_of__mutmut_8 (a report with no clue matched every step with no clue: another
    reporter's steps and wording on this reporter's page)."""
    mine, _ = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    other, _ = services.submit_report(text="另一份举报", channel="web", actor=Actor.reporter())
    services.record_public_step(kind="under_review", report=other, outcome="只给另一位举报人看的话")
    assert [s.kind for s in services.status_of(mine).steps] == ["received"]
    assert [s.kind for s in services.status_of(other).steps] == ["received", "under_review"]


def _at(rows: list[Any], when: dt.datetime) -> None:
    type(rows[0]).objects.filter(pk__in=[r.pk for r in rows]).update(created_at=when)


def test_the_status_lists_steps_messages_and_files_in_the_order_they_happened(alice) -> None:
    """x_status_of__mutmut_4, 27, 39 (ordered by row number: a row written with an earlier time
    but a later number, as on two nodes, came out of turn)."""
    report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(),
                                          files=[upload("a.png", PNG), upload("b.pdf", PDF)])
    first = services.record_public_step(kind="under_review", report=report, outcome="one")
    second = services.record_public_step(kind="verifying", report=report, outcome="two")
    asked = services.post_staff_message(report, "请问事发具体地点？", acting_user=alice)
    answered = services.add_reporter_message(code, "在码头。")
    a_png, b_pdf = report.attachments.order_by("pk")
    now = timezone.now()
    _at([second], now - dt.timedelta(minutes=2))  # written later, happened first
    _at([first], now - dt.timedelta(minutes=1))
    _at([answered], now - dt.timedelta(minutes=4))
    _at([asked], now - dt.timedelta(minutes=3))
    _at([b_pdf], now - dt.timedelta(minutes=6))
    _at([a_png], now - dt.timedelta(minutes=5))
    seen = services.status_of(report)
    assert [s.outcome for s in seen.steps] == ["", "two", "one"]
    assert [m.pk for m in seen.messages] == [answered.pk, asked.pk]
    assert [f.pk for f in seen.files] == [b_pdf.pk, a_png.pk]


def _reading_order(vendor: str, why: str, start: str, end: str) -> Any:
    """Run ``start`` on the test's connection for one test and ``end`` after it; skip on another database."""
    from django.db import connection

    if connection.vendor != vendor:
        pytest.skip(why)
    with connection.cursor() as cursor:
        cursor.execute(start)
    yield
    with connection.cursor() as cursor:
        cursor.execute(end)


@pytest.fixture
def scans_backwards() -> Any:
    """SQLite reads rows in the order they were written whatever a query asks; this makes it read
    them backwards, so that only an ORDER BY decides an order (PostgreSQL promises no order either)."""
    yield from _reading_order("sqlite", "an SQLite pragma", "PRAGMA reverse_unordered_selects = ON",
                              "PRAGMA reverse_unordered_selects = OFF")


def test_what_happened_at_the_same_moment_comes_in_the_order_it_was_written(alice, scans_backwards) -> None:
    """x_status_of__mutmut_5 (no tie-break: steps of the same moment came in whatever order the
    database read them). Messages and files are read through their report's index, which SQLite
    reads forwards even so: x_status_of__mutmut_28, 40 (the same for them) stay alive here; the
    PostgreSQL test below kills them."""
    report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(),
                                          files=[upload("a.png", PNG), upload("b.pdf", PDF)])
    run_queue()
    report.refresh_from_db()
    on_clue = services.record_public_step(kind="under_review", clue=report.clue, outcome="one")
    on_report = services.record_public_step(kind="verifying", report=report, outcome="two")
    again = services.record_public_step(kind="concluded", clue=report.clue, outcome="three")
    asked = services.post_staff_message(report, "请问事发具体地点？", acting_user=alice)
    answered = services.add_reporter_message(code, "在码头。")
    files = list(report.attachments.order_by("pk"))
    moment = timezone.now()
    for rows in ([on_clue, on_report, again], [asked, answered], files):
        _at(rows, moment)
    seen = services.status_of(report)
    assert [s.outcome for s in seen.steps] == ["", "one", "two", "three"]
    assert [m.pk for m in seen.messages] == [asked.pk, answered.pk]
    assert [f.pk for f in seen.files] == [f.pk for f in files]


@pytest.fixture
def reads_the_table() -> Any:
    """PostgreSQL reads the table itself, in the order its rows now lie, not through an index."""
    yield from _reading_order("postgresql",
                              "PostgreSQL keeps rewritten rows where they were rewritten; SQLite reads by row number",
                              "SET enable_indexscan = off; SET enable_bitmapscan = off",
                              "RESET enable_indexscan; RESET enable_bitmapscan")


def test_rows_of_the_same_moment_come_in_row_order_on_postgresql_whatever_order_they_were_rewritten(
        alice, reads_the_table) -> None:
    """x_status_of__mutmut_28, 40 (no row-number tie-break for messages and files). PostgreSQL reads a
    rewritten row where its new version lies, so rows stamped with one moment in reverse order come
    back reversed unless the query orders by row number too. SQLite reads them by row number however
    they were written, so these two mutants live on SQLite (mutmut's database): this test kills them
    on PostgreSQL, where CI runs it."""
    report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(),
                                          files=[upload("a.png", PNG), upload("b.pdf", PDF)])
    asked = services.post_staff_message(report, "请问事发具体地点？", acting_user=alice)
    answered = services.add_reporter_message(code, "在码头。")
    files = list(report.attachments.order_by("pk"))
    moment = timezone.now()
    for row in (answered, asked, *reversed(files)):  # the later row rewritten first
        _at([row], moment)
    seen = services.status_of(report)
    assert [m.pk for m in seen.messages] == [asked.pk, answered.pk]
    assert [f.pk for f in seen.files] == [f.pk for f in files]


# --- the files of a report: how many, how large together, their names, the event -----------------------

def _pngs(n: int) -> list[Any]:
    return [upload(f"p{i}.png", PNG) for i in range(n)]


def test_the_most_files_a_report_may_carry_are_kept_and_one_more_is_refused_in_both_languages(settings) -> None:
    """x__check_files__mutmut_3 (the limit itself refused), 4-18 (the refusal's field, code, text)."""
    settings.CLUEDESK_MAX_FILES = 3
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(), files=_pngs(3))
    assert report.attachments.count() == 3
    for language, text in (("en", "Too many files: at most 3 per report."), ("zh-hans", "文件太多：每份举报最多 3 个。")):
        with translation.override(language):
            refused = _refused(lambda: services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(),
                                                              files=_pngs(4)))
        assert refused.code == "too_many_files"
        assert _texts(refused, language) == {"files": [text]}


def test_a_refused_file_gives_the_report_its_reason() -> None:
    """x__check_files__mutmut_23, 25, 27 (the file's own code lost: the API answered a file over
    the size limit with 422 instead of 413)."""
    from .conftest import ELF

    refused = _refused(lambda: services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(),
                                                      files=[upload("setup.png", ELF)]))
    assert refused.code == "file_type_refused" and list(refused.errors) == ["files"]


def test_files_up_to_the_report_total_are_kept_and_more_are_refused_in_both_languages(settings) -> None:
    """x__check_files__mutmut_32 (exactly the total refused), 33-44 (the refusal's field, code, text)."""
    settings.CLUEDESK_MAX_REPORT_BYTES = 2 * len(PNG)
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(), files=_pngs(2))
    assert report.attachments.count() == 2
    settings.CLUEDESK_MAX_REPORT_BYTES = 2 * 1024 * 1024
    big = [upload(f"p{i}.pdf", PDF + b"%" * (1024 * 1024)) for i in range(3)]
    for language, text in (("en", "The files are too large together: at most 2 MB per report."),
                           ("zh-hans", "文件总量太大：每份举报最多 2 MB。")):
        with translation.override(language):
            refused = _refused(lambda: services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(),
                                                              files=big))
        assert refused.code == "too_large"
        assert _texts(refused, language) == {"files": [text]}


def test_a_files_name_is_sealed_for_the_custodian(custodian_passphrase) -> None:
    """x__write_files__mutmut_20, 21, 22 (the sealed name empty or under another key)."""
    from cluedesk.vault import sealing

    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(),
                                           files=[upload("车牌照片.png", PNG)])
    blob = bytes(report.attachments.get().sealed_name)
    private = sealing.decrypt_private_key((sealing.keys_dir() / sealing.PRIVATE_KEY_FILE).read_bytes(),
                                          custodian_passphrase)
    assert sealing.unseal(blob, private) == {"filename": "车牌照片.png"}


def test_the_submission_event_names_channel_place_category_files_and_whether_an_identity_is_sealed() -> None:
    """x_keep_report__mutmut_31-36, 39-44, 47-49 (the keys of the report.submitted event)."""
    from cluedesk.org.models import Division

    Division.objects.create(code="430000", name="湖南省", level=1, path="430000")
    Division.objects.create(code="430100", name="长沙市", level=2, parent_id="430000", path="430000/430100")
    report, _code = services.submit_report(text=TEXT, channel="qr", channel_ref="bus-station-3", place_text="湖南省长沙市",
                                           category="violence", actor=Actor.reporter(), files=[upload("a.png", PNG)])
    row = report.attachments.get()
    data = Event.objects.get(verb="report.submitted").data
    assert data == {"channel": "qr", "channel_ref": "bus-station-3", "division": "430100", "category": "violence",
                    "files": [{"id": row.public_id, "mime": "image/png", "size": row.size, "digest": row.digest}],
                    "identity_sealed": False}
    services.submit_report(text=TEXT, channel="web", name="张伟", actor=Actor.reporter())
    assert Event.objects.filter(verb="report.submitted").order_by("seq").last().data["identity_sealed"] is True


# --- cleaning and checking the fields -----------------------------------------------------------------

def test_cleaning_turns_nothing_into_empty_text_and_every_line_break_into_one_newline() -> None:
    """x_clean_text__mutmut_2, 4 (None became "None" or "XXXX"), 16, 18, 19 (CR LF or a lone CR kept
    or replaced by something else)."""
    assert services.clean_text(None) == ""
    assert services.clean_text("一\r\n二\r三\n四") == "一\n二\n三\n四"


def test_fields_not_given_are_empty() -> None:
    """x_validate_fields__mutmut_1-6 (a field not given was not empty)."""
    assert services.validate_fields(text=TEXT) == {"text": TEXT, "place_text": "", "when_text": "", "who_text": "",
                                                   "category": "", "name": "", "contact": ""}


@pytest.mark.parametrize(("field", "limit"), [("place_text", 200), ("when_text", 200), ("who_text", 500),
                                              ("name", 100), ("contact", 200)])
def test_a_field_of_its_limit_is_kept_and_one_longer_is_refused_in_both_languages(field: str, limit: int) -> None:
    """x_validate_fields__mutmut_67-75 (the limit itself refused; the refusal's text)."""
    assert services.validate_fields(text=TEXT, **{field: "长" * limit})[field] == "长" * limit
    for language, text in (("en", f"Too long: at most {limit} characters."), ("zh-hans", f"太长了：最多 {limit} 个字符。")):
        with translation.override(language):
            refused = _refused(lambda: services.validate_fields(text=TEXT, **{field: "长" * (limit + 1)}))
        assert _texts(refused, language) == {field: [text]}


def test_an_unknown_category_is_refused_in_both_languages() -> None:
    """x_validate_fields__mutmut_86, 87, 88."""
    refused = _refused(lambda: services.validate_fields(text=TEXT, category="lottery"))
    assert _texts(refused, "en") == {"category": ["Choose a category from the list, or leave it empty."]}
    assert _texts(refused, "zh-hans") == {"category": ["请从列表中选择类别，或留空。"]}


def test_a_too_long_description_gives_limit_and_count_with_thousands_grouped(settings) -> None:
    """x_validate_fields__mutmut_56, 58, 59, 63, 65, 66 (the numbers without grouping)."""
    settings.CLUEDESK_MAX_TEXT_CHARS = 1000
    refused = _refused(lambda: services.validate_fields(text="长" * 1001))
    assert _texts(refused, "en") == {"text": [
        "The description is too long: at most 1,000 characters, it has 1,001. Shorten it, or send the rest "
        "as a text file or add it later with your tracking code."]}


def test_a_line_without_anonymous_reports_refuses_a_report_without_contact_under_contact() -> None:
    """x_validate_fields__mutmut_89-94 (the profile's identity errors lost or filed under no field)."""
    from cluedesk.deployment import services as deployment
    from cluedesk.deployment.models import Deployment

    deployment.set_profile("eu_internal", {"anonymous_allowed": "no"}, actor=Actor.system("test"))
    Deployment.forget_cached()
    try:
        refused = _refused(lambda: services.validate_fields(text=TEXT, name="x" * 101))
        assert sorted(refused.errors) == ["contact", "name"]
        assert len(refused.errors["contact"]) == 1
        assert "does not accept anonymous reports" in str(refused.errors["contact"][0])
        assert services.validate_fields(text=TEXT, contact="13800000000")["contact"] == "13800000000"
    finally:
        Deployment.forget_cached()  # the profile row goes with the test's transaction


# --- drafts and submissions ---------------------------------------------------------------------------

def test_a_report_with_only_its_text_has_every_other_field_empty_and_no_author() -> None:
    """x_draft_report__mutmut_1-7, x_submit_report__mutmut_1, 2, 3, 7 (defaults not empty)."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    report.refresh_from_db()
    assert (report.place_text, report.when_text, report.who_text, report.category, report.channel_ref) == ("",) * 5
    assert report.sealed_identity is None and report.entered_by is None
    draft = services.draft_report(text=TEXT, channel="web")
    assert (draft.report.place_text, draft.report.when_text, draft.report.who_text, draft.report.category,
            draft.report.channel_ref, draft.report.sealed_identity) == ("", "", "", "", "", None)


def test_channel_and_reference_are_cut_to_48_characters() -> None:
    """x_draft_report__mutmut_67, 68."""
    draft = services.draft_report(text=TEXT, channel="c" * 60, channel_ref="r" * 60)
    assert draft.report.channel == "c" * 48 and draft.report.channel_ref == "r" * 48


def test_a_report_entered_by_staff_names_them_and_is_an_event_about_the_report(alice) -> None:
    """x_submit_report__mutmut_19, 30 (the staff member lost), 49, 50 (the event's subject type)."""
    report, _code = services.submit_report(text=TEXT, channel="phone", actor=Actor.staff(alice), entered_by=alice)
    report.refresh_from_db()
    assert report.entered_by == alice
    event = Event.objects.get(verb="report.submitted")
    assert (event.subject_type, event.subject_id) == ("report", str(report.pk))


def test_a_database_refusal_of_a_report_is_not_taken_for_a_race_on_another_key(monkeypatch) -> None:
    """x_submit_report__mutmut_52 (no key: the refusal became AttributeError), 56, 57 (a record of
    the same key in another channel, or of another key in the same channel, taken for the race)."""
    from django.db import IntegrityError

    _keyed_report("k1")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("refused")

    monkeypatch.setattr(services, "record", refuse)
    with pytest.raises(IntegrityError):
        services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    for channel, key in (("other", "k1"), ("desk", "k2")):
        claim = services.IdempotencyClaim(channel=channel, key=key, body_hash="0" * 64)
        with pytest.raises(IntegrityError):
            services.submit_report(text=TEXT, channel="api:" + channel, actor=Actor.channel(channel),
                                   idempotency=claim)
    with pytest.raises(services.IdempotencyRace):
        services.submit_report(text=TEXT, channel="api:desk", actor=Actor.channel("desk"),
                               idempotency=services.IdempotencyClaim(channel="desk", key="k1", body_hash="0" * 64))


# --- reporter messages ----------------------------------------------------------------------------------

def test_a_report_may_carry_three_times_the_file_limit_and_no_more_in_both_languages(settings) -> None:
    """x_add_reporter_message__mutmut_41-56."""
    settings.CLUEDESK_MAX_FILES = 2
    report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter(), files=_pngs(2))
    services.add_reporter_message(code, "补充", files=_pngs(2))
    services.add_reporter_message(code, "补充", files=_pngs(2))
    assert report.attachments.count() == 6
    for language, text in (("en", "This report already has too many files."), ("zh-hans", "这份举报的文件已经太多了。")):
        refused = _refused(lambda: services.add_reporter_message(code, "再补充", files=_pngs(1)))
        assert refused.code == "too_many_files"
        assert _texts(refused, language) == {"files": [text]}
    assert report.attachments.count() == 6


def test_a_reporter_message_is_one_event_about_the_report_naming_message_and_files() -> None:
    """x_add_reporter_message__mutmut_77, 78, 83, 87-100."""
    report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    message = services.add_reporter_message(code, "补充", files=[upload("a.png", PNG)])
    row = message.attachments.get()
    event = Event.objects.get(verb="report.message_added")
    assert (event.subject_type, event.subject_id) == ("report", str(report.pk))
    assert event.data == {"message": message.pk,
                          "files": [{"id": row.public_id, "mime": "image/png", "size": row.size, "digest": row.digest}]}


def test_a_reporter_message_that_fails_after_its_files_are_written_leaves_no_file(monkeypatch) -> None:
    """x_add_reporter_message__mutmut_101 (the files written were not removed)."""
    from cluedesk.intake.models import Attachment

    _report, code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    before = stored_files()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(Attachment.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        services.add_reporter_message(code, "补充", files=[upload("a.png", PNG)])
    assert stored_files() == before
