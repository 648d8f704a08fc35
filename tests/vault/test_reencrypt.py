"""Rows from before encryption at rest are sealed in resumable batches; a content key rotates."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cluedesk.clues import search
from cluedesk.clues.models import Clue
from cluedesk.intake import services
from cluedesk.intake.models import Message, Report
from cluedesk.ledger.services import Actor, verify
from cluedesk.triage import services as triage
from cluedesk.triage.models import EntityKey, ReportIndex
from cluedesk.vault import content, reencrypt
from tests.queue import run_queue

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def make_clear(report: Report) -> None:
    """What a database from before encryption at rest holds: clear text in the columns."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE intake_report SET text = %s, who_text = %s WHERE id = %s",
                       ["王某在城关镇开设地下赌场。", "王某", report.pk])
        cursor.execute("UPDATE intake_message SET body = %s WHERE report_id = %s", ["补充：赌场在二楼。", report.pk])
    search.forget([report.clue_id])


def filed(n: int = 3) -> list[Report]:
    out = []
    for i in range(n):
        report, code = services.submit_report(text=f"第{i}份举报。", channel="web", actor=Actor.reporter())
        services.add_reporter_message(code, "补充")
        out.append(report)
    run_queue()
    return [Report.objects.get(pk=r.pk) for r in out]


def test_clear_rows_are_sealed_in_batches_that_can_stop_and_resume() -> None:
    reports = filed(3)
    for r in reports:
        make_clear(r)
    assert raw("intake_report", "text", reports[0].pk) == "王某在城关镇开设地下赌场。"
    assert reencrypt.pending()["intake.report"] == 3 and reencrypt.pending()["intake.message"] == 3
    first = reencrypt.run(batch=1, limit=2)  # stopped after two rows
    assert first.total == 2 and first.pending["intake.report"] == 1
    rest = reencrypt.run(batch=1)
    assert rest.total == 4 and rest.pending == {}
    for r in reports:
        stored = raw("intake_report", "text", r.pk)
        assert content.is_token(stored) and "赌场" not in stored
        assert Report.objects.get(pk=r.pk).text == "王某在城关镇开设地下赌场。"
    assert all(m.body == "补充：赌场在二楼。" for m in Message.objects.all())
    assert reencrypt.run().total == 0  # nothing left: a pass is a no-op
    assert verify().ok
    # the blind index is filled again for the clues it had lost
    assert search.backfill() == 3
    assert Clue.objects.filter(search.matching("地下赌场")).count() == 3


def test_a_rotation_reseals_every_row_and_the_old_key_goes_only_when_unused(settings) -> None:
    reports = filed(2)
    old = content.key_id_of(content.keyring().current).hex()
    out = io.StringIO()
    new = content.add_content_key()
    assert new != old and reencrypt.in_use() == {old}
    with pytest.raises(CommandError, match="still sealed under"):
        call_command("content-keys", "retire", stdout=out)
    call_command("content-keys", "reencrypt", stdout=out)
    assert reencrypt.in_use() == {new}
    call_command("content-keys", "retire", stdout=out)
    assert [content.key_id_of(k).hex() for k in content.keyring().keys] == [new]
    assert [Report.objects.get(pk=r.pk).text for r in reports] == ["第0份举报。", "第1份举报。"]
    call_command("content-keys", "status", stdout=out)
    assert "every row is sealed under the current key" in out.getvalue()


def test_a_value_under_a_key_the_server_lacks_is_refused_loudly() -> None:
    report = filed(1)[0]
    (content.Path(str(content.settings.KEYS_DIR)) / content.CONTENT_KEYS_FILE).write_text("ab" * 32 + "\n")
    content.forget_keys()
    with pytest.raises(content.ContentKeyMissing, match="intake.report.text"):
        Report.objects.get(pk=report.pk)


def test_a_value_moved_to_another_column_does_not_open() -> None:
    report = filed(1)[0]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE intake_report SET who_text = text WHERE id = %s", [report.pk])
    with pytest.raises(Exception, match="does not open"):
        Report.objects.get(pk=report.pk)


def test_clear_entities_in_the_triage_index_are_keyed_again() -> None:
    report, _code = services.submit_report(text="王某某在城关镇开设赌场，电话13812345678。", channel="web",
                                           actor=Actor.reporter())
    run_queue()
    entry = ReportIndex.objects.get(report_id=report.pk)
    keyed = entry.entities
    assert keyed and all(v.startswith(("k:", "d:")) for vs in keyed.values() for v in vs)
    keys_before = set(EntityKey.objects.filter(entry=entry).values_list("key", flat=True))
    # as an index written before keying was: names and the phone number in clear
    ReportIndex.objects.filter(pk=entry.pk).update(entities={"names": ["王某某"], "ids": ["13812345678"]})
    assert triage.rekey_index() == 1
    entry.refresh_from_db()
    assert entry.entities == keyed and "13812345678" not in str(entry.entities)
    assert set(EntityKey.objects.filter(entry=entry).values_list("key", flat=True)) == keys_before
    assert triage.rekey_index() == 0  # done: the next run does nothing


def test_sealed_columns_refuse_searches_that_would_silently_find_nothing() -> None:
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError, match="blind index"):
        list(Report.objects.filter(text__icontains="赌场"))
    with pytest.raises(FieldError):
        list(Report.objects.filter(text="赌场"))
    assert list(Report.objects.filter(text="")) == []  # the empty string still compares
