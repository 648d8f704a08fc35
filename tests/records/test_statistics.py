"""Published statistics through the database and HTTP: months frozen once and editions computed by
the worker's job, fixed periods only (a from/to range is refused in both languages, or sent to the
one period it covers), pages refused when small, too deep or a complement, one source for both
tables of a page, the computation time on the page, the files and the yearly confirmation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from cluedesk.ops import jobs
from cluedesk.platform.registry import registry
from cluedesk.records import lattice, statistics
from cluedesk.records.models import StatisticsEdition, StatisticsMonth, StatisticsPage, StatisticsSnapshot
from tests.org.factories import make_division
from tests.supervision.helpers import move, new_clue

pytestmark = pytest.mark.django_db

NOW = timezone.now()
LAST = timezone.localtime(NOW).year - 1   # a year that is over


def at(month: int, day: int = 15) -> dt.datetime:
    return dt.datetime(LAST, month, day, 12, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def data(org_world):
    """Last year, January to March: Liuyang (Hunan) 30 reports in three clues a month, some concluded;
    Panyu (Guangdong) 8 reports a month (too few for a month, enough for the quarter)."""
    w = org_world
    panyu = make_division("440113")
    cats = ["illegal_lending", "violence", "gambling"]
    for month in (1, 2, 3):
        for i in range(3):
            c = new_clue(w.county.division, created=at(month), reports=10, category=cats[i])
            if i < 2:
                move(c, "concluded", user=w.staff["verifier"], unit=w.county,
                     outcome="criminal_case" if i == 0 else "no_action", concluded_at=at(month, 20))
    for month in (1, 2, 3):
        new_clue(panyu, created=at(month), reports=8, category="violence")
    statistics.job()
    return w


def test_the_job_freezes_each_closed_month_once_and_publishes_one_edition_per_year(data):
    months = list(StatisticsMonth.objects.filter(month__year=LAST).values_list("month", flat=True))
    assert months == [dt.date(LAST, m, 1) for m in range(1, 13)]
    edition = StatisticsEdition.objects.get(year=LAST)
    assert edition.number == 1 and edition.through == dt.date(LAST, 12, 1)
    assert str(LAST) in edition.periods and f"{LAST}-Q1" in edition.periods and f"{LAST}-03" in edition.periods
    event = Event.objects.get(verb="records.statistics_edition", subject_id=f"{LAST}#1")
    assert event.data["sha256"] == edition.sha256
    # a second run has nothing to do: no new month, no new edition, no event
    events = Event.objects.count()
    assert statistics.job() == {"frozen": [], "editions": []}
    assert Event.objects.count() == events and verify().ok


def test_the_worker_runs_the_statistics_job(data):
    assert "statistics" in registry["jobs"]
    assert jobs.run("statistics", force=True) == {"frozen": [], "editions": []}


def test_a_frozen_month_never_changes_when_records_do(data):
    w = data
    before = StatisticsPage.objects.get(period=str(LAST), division_code="000000").data
    new_clue(w.county.division, created=at(2), reports=40)       # a late-imported February
    assert statistics.job()["editions"] == []                     # February stays frozen
    assert StatisticsPage.objects.get(period=str(LAST), division_code="000000").data == before


def _page(client, query, **headers):
    resp = client.get(f"/statistics/?{query}", **headers)
    return resp, resp.content.decode()


def test_year_page_with_one_source_and_its_computation_time(data):
    resp, body = _page(Client(), f"period={LAST}")
    assert resp.status_code == 200
    main = body.split("<main>", 1)[1].split("</main>", 1)[0]
    assert "<script" not in main and '<form method="get"' in main               # works without JavaScript
    assert "湖南省" in body and "Suppression rule" in body
    assert "Computed on" in body and "Published figures never change" in body
    assert "live" not in main.lower() and "on request" not in main
    tables = resp.context["tables"]
    regions, categories = tables
    # one source: the category table's total row is the region table's total row
    for col in lattice.CATEGORY_COLUMNS:
        assert categories.shown["total"][col] == regions.shown["total"][col]
    assert regions.shown["total"]["reports"] == 114 and regions.shown["total"]["clues"] == 12


def test_every_published_page_agrees_with_itself(data):
    """On every page: total by region == total by category (same cells), and where every row of a
    column is shown it adds up to the total."""
    pages = StatisticsPage.objects.filter(status=StatisticsPage.Status.PUBLISHED)
    assert pages.count() >= 3
    for page in pages:
        by_region, by_category = statistics.tables_of(page)
        for col in lattice.CATEGORY_COLUMNS:
            assert by_region.shown["total"][col] == by_category.shown["total"][col], (page.period, col)
        for table in (by_region, by_category):
            for col in table.columns:
                vals = [table.shown[r][col] for r in table.row_keys]
                if table.row_keys and None not in vals and table.shown["total"][col] is not None:
                    assert sum(vals) == table.shown["total"][col], (page.period, page.division_code, col)


def test_month_and_quarter_pages_and_the_period_picker(data):
    client = Client()
    resp, body = _page(client, f"period={LAST}-Q1")
    assert resp.status_code == 200 and f"{LAST} Q1" in body
    assert f'<option value="{LAST}-02"' in body and f'<option value="{LAST}-Q4"' in body
    resp, body = _page(client, f"period={LAST}-q1&division=430000")   # lower-case q accepted
    assert resp.status_code == 200
    resp, body = _page(client, f"period={LAST}-01")
    assert resp.status_code == 200 and resp.context["meta"]["period"] == f"{LAST}-01"


@pytest.mark.parametrize("lang, words", [("en", "fixed periods only"), ("zh-hans", "固定")])
def test_a_range_is_refused_in_both_languages_and_the_periods_offered(data, lang, words):
    client = Client()
    client.cookies["django_language"] = lang
    resp, body = _page(client, f"from={LAST}-01&to={LAST}-11")
    assert resp.status_code == 400 and words in body
    assert f"period={LAST}" in body                                  # the year is offered instead
    assert client.get(f"/statistics.csv?from={LAST}-01&to={LAST}-11").status_code == 400


def test_a_range_that_is_exactly_a_period_goes_to_that_period(data):
    client = Client()
    for query, period in [(f"from={LAST}-12&to={LAST}-12", f"{LAST}-12"), (f"from={LAST}-04&to={LAST}-06", f"{LAST}-Q2"),
                          (f"from={LAST}-01&to={LAST}-12&division=430000", str(LAST))]:
        resp = client.get(f"/statistics/?{query}")
        assert resp.status_code == 302 and f"period={period}" in resp["Location"]
    assert client.get(f"/statistics/?year={LAST}").context["meta"]["period"] == str(LAST)   # older links


def test_refusals_say_why(data):
    client = Client()
    cases = [
        (f"period={LAST}&division=440113", "Yearly figures are published down to cities"),     # a county
        (f"period={LAST}-01&division=430100", "Monthly figures are published for the whole country"),
        (f"period={LAST}-01&division=440000", "fewer than 20 reports"),
        (f"period={LAST}-01&division=430000", "worked out by subtraction"),    # the nation minus Hunan = Guangdong
        (f"period={timezone.localtime(NOW).year + 1}", "has not ended yet"),
        (f"period={timezone.localtime(NOW):%Y-%m}", "has not ended yet"),                  # this month
        (f"period={statistics.closed_through(NOW):%Y-%m}&division=440113", "Monthly figures"),  # last month: over
        ("period=2026-13", "is not a period"),
        ("division=999999", "There is no region"),
    ]
    events = Event.objects.count()
    for query, words in cases:
        resp, body = _page(client, query)
        assert resp.status_code == 400 and words in body, (query, body[body.find("errorbox"):][:300])
    assert Event.objects.count() == events                                  # refusals write nothing


def test_refusals_are_in_chinese(data):
    with translation.override("zh-hans"):
        with pytest.raises(statistics.StatisticsError) as exc:
            statistics.parse_request({"from": f"{LAST}-01", "to": f"{LAST}-02"})
        assert "固定" in str(exc.value.message)
        with pytest.raises(statistics.StatisticsError) as exc:
            statistics.page(statistics.parse_request({"period": f"{LAST}-01", "division": "440000"}))
        assert "少于" in str(exc.value.message)


def test_files_print_the_rule_and_hold_no_hidden_value(data):
    csv = Client().get(f"/statistics.csv?period={LAST}")
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and "Suppression rule" in text and "Computed" in text
    xlsx = Client().get(f"/statistics.xlsx?period={LAST}")
    wb = load_workbook(io.BytesIO(xlsx.content))
    cells = [c for row in wb.active.iter_rows(values_only=True) for c in row if c is not None]
    assert any("Suppression rule" in str(c) for c in cells)
    assert not any(isinstance(c, int) and 0 < c < 5 for c in cells)


def test_the_year_is_confirmed_once_with_its_editions_digest(data):
    admin = data.staff["admin"]
    with pytest.raises(statistics.StatisticsError) as exc:
        statistics.publish_year(timezone.localtime(NOW).year, user=admin)       # not over
    assert exc.value.code == "not_over"
    snap = statistics.publish_year(str(LAST), user=admin)
    edition = StatisticsEdition.objects.get(year=LAST)
    assert snap.sha256 == edition.sha256
    assert Event.objects.get(verb="records.statistics_published").data["sha256"] == edition.sha256
    with pytest.raises(statistics.StatisticsError) as exc:
        statistics.publish_year(LAST, user=admin)
    assert exc.value.code == "published" and StatisticsSnapshot.objects.count() == 1
    assert verify().ok


def test_nothing_published_yet(org_world):
    resp, body = _page(Client(), "")
    assert resp.status_code == 400 and "Nothing has been published yet" in body
