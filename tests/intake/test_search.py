from __future__ import annotations

import pytest
from django.db import connection

from cluedesk.intake import services
from cluedesk.intake.models import Report
from cluedesk.intake.search import fts_phrase, reports_matching
from cluedesk.ledger.services import Actor

pytestmark = pytest.mark.django_db


def submit(text: str) -> Report:
    report, _ = services.submit_report(text=text, channel="web", actor=Actor.reporter())
    return report


def test_it_finds_reports_by_a_chinese_phrase_and_not_others() -> None:
    a = submit("王某在城关镇开设地下赌场，雇人放高利贷。")
    submit("李某在河边非法采砂，殴打阻拦的村民。")
    assert list(reports_matching("地下赌场").values_list("pk", flat=True)) == [a.pk]
    assert list(reports_matching("赌场").values_list("pk", flat=True)) == [a.pk]  # two characters: scan


def test_it_follows_edits_and_deletions() -> None:
    a = submit("王某在城关镇开设地下赌场。")
    Report.objects.filter(pk=a.pk).update(text="已删除")
    assert not reports_matching("地下赌场").exists()
    b = submit("张某在镇上强揽工程，威胁竞争对手。")
    Report.objects.filter(pk=b.pk).delete()
    assert not reports_matching("强揽工程").exists()


def test_hostile_search_words_are_only_words() -> None:
    submit("某人说 \"OR\" NEAR( 这是引号和运算符 *")
    for word in ['"OR"', "NEAR(", "*", "a\" OR \"b", "'; DROP TABLE intake_report; --"]:
        list(reports_matching(word))  # never a syntax error
    assert fts_phrase('a"b') == '"a""b"'
    assert Report.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's index")
def test_sqlite_keeps_the_trigram_index_in_step() -> None:
    submit("王某在城关镇开设地下赌场。")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM intake_report_fts WHERE intake_report_fts MATCH %s", ['"城关镇"'])
        assert len(cursor.fetchall()) == 1
