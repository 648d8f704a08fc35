"""The blind search index: clues are found by the words of their reports and title, in Chinese,
while the index holds only keyed hashes (no gram, no word, no unkeyed hash of one)."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.db import connection

from cluedesk.clues import search
from cluedesk.clues.models import Clue
from cluedesk.intake import services
from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor
from cluedesk.vault import content
from tests.queue import run_queue

pytestmark = pytest.mark.django_db


def submit(text: str, **fields: str) -> Clue:
    report, _ = services.submit_report(text=text, channel="web", actor=Actor.reporter(), **fields)
    run_queue()
    return Report.objects.get(pk=report.pk).clue


def found(word: str) -> list[int]:
    return sorted(Clue.objects.filter(search.matching(word)).values_list("pk", flat=True))


def test_it_finds_clues_by_chinese_words_of_two_three_and_more_characters() -> None:
    a = submit("王某在城关镇开设地下赌场，雇人放高利贷。")
    b = submit("李某在河边非法采砂，殴打阻拦的村民。", place_text="平江县三市镇")
    assert found("地下赌场") == [a.pk]
    assert found("赌场") == [a.pk]  # two characters: the bigram
    assert found("采砂") == [b.pk]
    assert found("三市镇") == [b.pk]  # the place the reporter wrote is searchable too
    assert found("高利贷 ") == [a.pk]
    assert found("采砂赌场") == []  # every trigram must be there
    assert found("派出所") == []


def test_one_character_and_punctuation_find_nothing() -> None:
    submit("王某在城关镇开设地下赌场。")
    assert search.query_keys("赌") is None and found("赌") == []
    assert search.query_keys("，。！") is None


def test_case_and_width_do_not_matter() -> None:
    a = submit("他们在KTV包厢里收保护费，电话13812345678。")
    assert found("ktv") == [a.pk] and found("ＫＴＶ") == [a.pk]
    assert found("13812345678") == [a.pk]


def test_the_title_is_searchable_and_a_new_title_replaces_the_old() -> None:
    clue = submit("有人在镇上强揽工程，威胁竞争对手。")
    clue.title = "砂石霸"
    search.reindex(clue)
    assert found("砂石霸") == [clue.pk]
    clue.title = "工程霸"
    search.reindex(clue)
    assert found("砂石霸") == [] and found("工程霸") == [clue.pk]


def test_hostile_search_words_are_only_words() -> None:
    submit("某人说 \"OR\" NEAR( 这是引号和运算符 *")
    for word in ['"OR"', "NEAR(", "*", "a\" OR \"b", "'; DROP TABLE clues_searchgram; --", "x" * 5000]:
        list(Clue.objects.filter(search.matching(word)))  # never a syntax error
    assert Clue.objects.count() == 1 and search.count(Clue.objects.get().pk) > 0


def test_the_index_holds_keyed_hashes_only() -> None:
    clue = submit("王某在城关镇开设地下赌场。")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM clues_searchgram WHERE clue_id = %s", [clue.pk])
        stored = {k for (k,) in cursor.fetchall()}
    assert stored == search.keys([Report.objects.get(clue=clue).text])
    # an unkeyed hash of a gram is not what is kept: without the index key nothing can be tested
    unkeyed = {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "big", signed=True)
               for g in search.grams("地下赌场")}
    assert not unkeyed & stored
    # under another key the same words give other keys
    content.forget_keys()
    try:
        os.environ["CLUEDESK_INDEX_KEY"] = "11" * 32
        assert not search.keys(["地下赌场"]) & stored
    finally:
        del os.environ["CLUEDESK_INDEX_KEY"]
        content.forget_keys()


def test_a_merge_moves_the_words_with_the_reports(django_user_model) -> None:
    a = submit("王某在城关镇开设地下赌场。")
    b = submit("李某在河边非法采砂，殴打阻拦的村民。")
    Report.objects.filter(clue=b).update(clue=a)
    search.reindex(a)
    search.reindex(b)
    assert found("采砂") == [a.pk] and found("赌场") == [a.pk]
