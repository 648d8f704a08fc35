"""Two workers triaging at the same moment: one clue per matter, each report triaged once.

``attach_report`` looks up before BEGIN; inside its transaction it takes a PostgreSQL advisory
lock per lookup key (``_lock_keys``), so two workers triaging reports that share a key take
turns and the second joins the first one's clue. On SQLite the IMMEDIATE transaction already
holds the database's one write lock, and the test database is in memory: these run on
PostgreSQL (CLUEDESK_TEST_POSTGRES=1 DATABASE_URL=postgres://…, as `cluedesk test` does).

Each race is repeated over ROUNDS matters, the threads released together and held once more
right before the lock (both lookups done, both transactions open: the moment the lock is for).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from cluedesk.clues.models import Clue
from cluedesk.intake import services as intake
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor
from cluedesk.triage import services as triage
from cluedesk.triage.models import ReportIndex
from cluedesk.triage.signals import report_triaged
from tests.threads import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="triage's advisory locks are PostgreSQL's; SQLite serializes writers at BEGIN "
                              "IMMEDIATE and its test database is in memory"),
]

ROUNDS = 5
# one matter told twice (a fuller account and a shorter re-report), in ROUNDS versions about other
# people, places and dates: sequentially, each pair ends on one clue and each version on its own
ORIGINAL = ("{date}晚11时许，{a}某与妻子等人在{town}零点酒吧大厅内娱乐，因琐事{a}某与被害人{b}某发生争执，"
            "后{a}某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人{b}某的左脸，致使被害人{b}某受伤。经{county}公安局"
            "法医学鉴定，被害人{b}某所受损伤属轻伤。")
RE_REPORT = ("希望有关部门查一查，{date}晚，{a}某与妻子等人在{town}零点酒吧大厅内娱乐，因琐事{a}某与被害人{b}某"
             "发生争执，后{a}某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人{b}某的左脸，致使被害人{b}某受伤。请尽快调查！")
VERSIONS = [
    {"date": "2015年3月22日", "a": "王", "b": "金", "town": "浏阳市集里街道", "county": "浏阳市"},
    {"date": "2017年6月9日", "a": "赵", "b": "钱", "town": "平江县城关镇", "county": "平江县"},
    {"date": "2012年10月1日", "a": "孙", "b": "李", "town": "番禺区市桥街道", "county": "番禺区"},
    {"date": "2019年1月15日", "a": "周", "b": "吴", "town": "醴陵市来龙门街道", "county": "醴陵市"},
    {"date": "2010年8月30日", "a": "郑", "b": "冯", "town": "宁乡市玉潭街道", "county": "宁乡市"},
]
PAIRS = [(ORIGINAL.format(**v), RE_REPORT.format(**v)) for v in VERSIONS]
UNRELATED = "某县河道上有人长期非法采砂，夜里用船把沙运走，河堤已经塌了一段，管事的人收了好处不管。"


@pytest.fixture(autouse=True)
def _models(shipped_models: None) -> None:
    """The shipped same-matter model, no charge model (tests/triage/conftest.py)."""


def accept(text: str) -> Report:
    report, _code = intake.submit_report(text=text, channel="web", actor=Actor.reporter())
    assert report.clue_id is None  # accepted, waiting for triage
    return report


@pytest.fixture
def meet_before_the_lock(monkeypatch) -> None:
    """Hold each triage thread right before it takes its locks until the other one is there too
    (bounded: a thread that never gets there does not hold the other for long)."""
    meeting = threading.Barrier(2)
    take_locks = triage._lock_keys

    def meet_then_lock(keys: list[int]) -> None:
        try:
            meeting.wait(timeout=10)
        except threading.BrokenBarrierError:
            meeting.reset()
        take_locks(keys)

    monkeypatch.setattr(triage, "_lock_keys", meet_then_lock)


def triaged_events(*reports: Report) -> list[int]:
    return sorted(int(s) for s in Event.objects.filter(
        verb="report.triaged", subject_type="report", subject_id__in=[str(r.pk) for r in reports]
    ).values_list("subject_id", flat=True))


def test_sequentially_each_pair_is_one_clue_and_each_version_its_own() -> None:
    """The premise of the races below: one worker, one report after the other."""
    reports = [(accept(a), accept(b)) for a, b in PAIRS]
    for first, second in reports:
        assert triage.attach_report(first.pk)["decision"] == "opened"  # type: ignore[index]
        assert triage.attach_report(second.pk)["decision"] == "attached"  # type: ignore[index]
    clues = [(Report.objects.get(pk=a.pk).clue_id, Report.objects.get(pk=b.pk).clue_id) for a, b in reports]
    assert all(a == b for a, b in clues) and len({a for a, _ in clues}) == ROUNDS


def test_two_reports_of_one_matter_triaged_at_once_end_on_one_clue(meet_before_the_lock) -> None:
    for n, (text_a, text_b) in enumerate(PAIRS):
        first, second = accept(text_a), accept(text_b)
        results = race(lambda: triage.attach_report(first.pk), lambda: triage.attach_report(second.pk))
        assert all(isinstance(r, dict) for r in results), (n, results)
        assert sorted(r["decision"] for r in results) == ["attached", "opened"], (n, results)
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.clue_id is not None and first.clue_id == second.clue_id, f"round {n}: two clues"
        assert Clue.objects.get(pk=first.clue_id).report_count == 2
        assert ReportIndex.objects.filter(report_id__in=[first.pk, second.pk]).count() == 2
        assert triaged_events(first, second) == sorted([first.pk, second.pk])
    assert Clue.objects.count() == ROUNDS
    call_command("ledger", "verify")  # CommandError when the chain is broken


def test_one_report_triaged_twice_at_once_is_triaged_once(meet_before_the_lock) -> None:
    """A task re-queued while its first run is still going (a worker taken for dead): two runs."""
    for n, (text, _other) in enumerate(PAIRS):
        report = accept(text)
        results = race(lambda: triage.attach_report(report.pk), lambda: triage.attach_report(report.pk))
        assert not any(isinstance(r, Exception) for r in results), (n, results)
        assert sorted(r is None for r in results) == [False, True], (n, results)
        report.refresh_from_db()
        assert report.clue_id is not None
        assert ReportIndex.objects.filter(report_id=report.pk).count() == 1
        assert Clue.objects.get(pk=report.clue_id).report_count == 1
        assert triaged_events(report) == [report.pk]
    assert Clue.objects.count() == ROUNDS
    call_command("ledger", "verify")


def _waiting_for_an_advisory_lock() -> bool:
    with connections["default"].cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = %s "
                    "AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    [triage._LOCK_SPACE])
        return bool(cur.fetchone()[0])


def test_a_sharing_report_committed_after_a_higher_id_is_still_joined() -> None:
    """Worker 1 indexes report A and is slow to commit; worker 2 meanwhile triages an unrelated
    report B (a higher index id, committed), then A's re-report C: its watermark is B's id, its
    lookup cannot see A, and it waits for A's lock. When A commits, C must join A's clue.
    (PostgreSQL hands out ids at INSERT, not at COMMIT, so a watermark on index ids cannot tell
    that A came in: the lookup is done after the advisory locks instead.)"""
    a, b, c = accept(PAIRS[0][0]), accept(UNRELATED), accept(PAIRS[0][1])
    keys = {r.pk: set(triage.lookup_keys(triage.examine(r).analysis)) for r in (a, b, c)}
    assert keys[a.pk] & keys[c.pk] and not (keys[b.pk] & (keys[a.pk] | keys[c.pk]))  # the premise
    indexed, release = threading.Event(), threading.Event()

    def hold_a(sender: Any, report: Any, **kwargs: Any) -> None:
        if report.pk == a.pk:  # inside A's transaction, after its index rows
            indexed.set()
            release.wait(60)

    report_triaged.connect(hold_a, dispatch_uid="test.hold_a")
    results: dict[str, Any] = {}

    def run(name: str, pk: int) -> None:
        try:
            results[name] = triage.attach_report(pk)
        except Exception as exc:  # noqa: BLE001
            results[name] = exc
        finally:
            connections.close_all()

    worker_a = threading.Thread(target=run, args=("a", a.pk))
    worker_c = threading.Thread(target=run, args=("c", c.pk))
    try:
        worker_a.start()
        assert indexed.wait(60)
        assert triage.attach_report(b.pk) is not None  # committed, with a higher index id than A's
        worker_c.start()
        deadline = time.monotonic() + 60
        while not _waiting_for_an_advisory_lock():  # C: looked up, waiting for A's keys
            assert time.monotonic() < deadline and worker_c.is_alive(), results
            time.sleep(0.02)
    finally:
        release.set()
        worker_a.join(60)
        worker_c.join(60)
        report_triaged.disconnect(dispatch_uid="test.hold_a")
    assert isinstance(results["a"], dict) and isinstance(results["c"], dict), results
    assert ReportIndex.objects.get(report_id=a.pk).pk < ReportIndex.objects.get(report_id=b.pk).pk  # the premise
    a.refresh_from_db()
    c.refresh_from_db()
    assert a.clue_id == c.clue_id, f"two clues for one matter: {results['a']} / {results['c']}"
