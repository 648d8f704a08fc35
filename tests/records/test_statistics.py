"""Published statistics: scopes refused when too small or malformed, suppression of the real
tables, the public page and files (no JavaScript, both languages), the frozen yearly snapshot."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from cluedesk.org.models import Division
from cluedesk.records import statistics
from cluedesk.records.models import StatisticsSnapshot
from cluedesk.supervision import stats
from tests.org.factories import make_division
from tests.supervision.helpers import move, new_clue

pytestmark = pytest.mark.django_db

NOW = timezone.now()
YEAR = timezone.localtime(NOW).year


@pytest.fixture
def data(org_world):
    """30 clues in Liuyang (Hunan), 3 in Panyu (Guangdong); some concluded with outcomes."""
    w = org_world
    make_division("440113")
    when = timezone.now() - dt.timedelta(minutes=30)
    made = []
    for i in range(30):
        c = new_clue(w.county.division, created=when, category="illegal_lending" if i % 3 else "violence")
        if i < 12:
            c = move(c, "concluded", user=w.staff["verifier"], unit=w.county,
                     outcome="criminal_case" if i < 8 else "no_action")
        made.append(c)
    for _ in range(3):
        made.append(new_clue(Division.objects.get(code="440113"), created=when, category="violence"))
    stats.rebuild(timezone.now())
    return w, made


def _shown(tables):
    for t in tables:
        for r, cols in t.shown.items():
            for c, v in cols.items():
                yield t.key, r, c, v


def test_nation_tables_hide_small_cells_with_complements(data):
    scope = statistics.parse_scope({"year": str(YEAR)})
    tables, meta = statistics.build(scope, 5)
    regions, categories = tables
    assert meta["min_cell"] == 5
    assert regions.row_keys == ["430000", "440000"]
    assert regions.shown["440000"]["reports"] is None                # 3 reports: hidden
    assert regions.shown["430000"]["reports"] is None                # its complement in the column
    assert regions.shown["total"]["reports"] == 33                   # the total alone gives nothing away
    assert regions.shown["430000"]["concluded"] == 12
    assert regions.shown["430000"]["no_action"] is None              # 4: hidden
    assert regions.shown["430000"]["criminal_case"] is None          # 8: its complement in the row
    for _t, _r, _c, v in _shown(tables):
        assert v is None or not (0 < v < 5)
    assert categories.shown["total"]["clues"] == regions.shown["total"]["clues"] == 35   # with the world's two


def test_a_scope_too_small_is_refused(data):
    with pytest.raises(statistics.StatisticsError) as exc:
        statistics.build(statistics.parse_scope({"year": str(YEAR), "division": "440113"}), 5)
    assert exc.value.code == "too_small" and "番禺区" in str(exc.value.message)
    # Liuyang alone has 30 reports: published, without a breakdown below the county
    tables, _meta = statistics.build(statistics.parse_scope({"year": str(YEAR), "division": "430181"}), 5)
    assert tables[0].row_keys == []


@pytest.mark.parametrize("params, code", [
    ({"from": "2026-05-03", "to": "2026-05-03"}, "too_small"),
    ({"from": "2026-13", "to": "2027-01"}, "malformed"),
    ({"from": "May", "to": "2026-06"}, "malformed"),
    ({"from": "2026-06", "to": "2026-01"}, "malformed"),
    ({"from": "2026-01"}, "malformed"),
    ({"year": "26"}, "malformed"),
    ({"year": "2026", "from": "2026-01", "to": "2026-02"}, "malformed"),
    ({"year": "1999"}, "out_of_range"),
    ({"from": "2000-01", "to": "2030-12"}, "too_large"),
    ({"division": "999999"}, "division"),
])
def test_malformed_or_too_small_requests_are_refused(db, params, code):
    from tests.org.factories import make_division

    make_division("000000")
    with pytest.raises(statistics.StatisticsError) as exc:
        statistics.parse_scope(params, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert exc.value.code == code


def test_refusals_are_in_chinese(db):
    make_division("000000")
    with translation.override("zh-hans"), pytest.raises(statistics.StatisticsError) as exc:
        statistics.parse_scope({"from": "2026-05-03", "to": "2026-05-03"})
    assert "整月" in str(exc.value.message)


def test_public_page_needs_no_sign_in_and_no_javascript(data):
    client = Client()
    resp = client.get(f"/statistics/?year={YEAR}")
    body = resp.content.decode()
    main = body.split("<main>", 1)[1].split("</main>", 1)[0]
    assert resp.status_code == 200 and "<script" not in main and '<form method="get"' in main   # works without JS
    assert "湖南省" in body and "&lt;5" in body and "Suppression rule" in body
    resp = client.get(f"/statistics/?year={YEAR}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    body = client.get(f"/statistics/?year={YEAR}").content.decode()
    assert "公开统计" in body and "隐藏规则" in body


def test_public_page_refuses_with_a_message_and_writes_nothing(data):
    events = Event.objects.count()
    resp = Client().get(f"/statistics/?division=440113&year={YEAR}")
    assert resp.status_code == 400 and "fewer than 20 reports" in resp.content.decode()
    resp = Client().get("/statistics/?from=2026-05-03&to=2026-05-09")
    assert resp.status_code == 400 and "single day" in resp.content.decode()
    assert Client().get("/statistics.csv?from=x&to=y").status_code == 400
    assert Event.objects.count() == events


def test_files_print_the_rule_and_hold_no_hidden_value(data):
    csv = Client().get(f"/statistics.csv?year={YEAR}")
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and "Suppression rule" in text and "<5" in text
    xlsx = Client().get(f"/statistics.xlsx?year={YEAR}")
    wb = load_workbook(io.BytesIO(xlsx.content))
    cells = [c for row in wb.active.iter_rows(values_only=True) for c in row if c is not None]
    assert any("Suppression rule" in str(c) for c in cells)
    assert not any(isinstance(c, int) and 0 < c < 5 for c in cells)


def test_the_yearly_snapshot_is_frozen_and_ledgered(data):
    w, made = data
    admin = w.staff["admin"]
    with pytest.raises(statistics.StatisticsError) as exc:
        statistics.publish_year(YEAR, user=admin)        # the year is not over
    assert exc.value.code == "not_over"
    later = dt.datetime(YEAR + 1, 2, 1, tzinfo=dt.UTC)
    snap = statistics.publish_year(str(YEAR), user=admin, now=later)
    event = Event.objects.get(verb="records.statistics_published")
    assert event.data["sha256"] == snap.sha256 and snap.min_cell == 5
    with pytest.raises(statistics.StatisticsError) as exc:
        statistics.publish_year(YEAR, user=admin, now=later)
    assert exc.value.code == "published"
    assert StatisticsSnapshot.objects.count() == 1
    # more clues arrive: the on-demand figures move, the published ones do not
    for _ in range(6):
        new_clue(w.county.division, created=timezone.now() - dt.timedelta(minutes=30))
    stats.rebuild(timezone.now())
    body = Client().get(f"/statistics/?year={YEAR}").content.decode()
    assert "frozen" in body and ">33<" in body
    assert verify().ok
