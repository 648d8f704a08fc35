"""The compliance report: figures on constructed data, scope, filters, XLSX."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.utils import timezone

from cluedesk.compliance import clocks
from cluedesk.compliance.models import ReportClock

from .conftest import T0, make_report

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
NOW = T0 + 100 * DAY


def _clock(w, clue, unit, *, ack=None, fb=None, received=T0, extended=False):
    report = make_report(clue, received)
    return ReportClock.objects.create(
        report=report, received_at=received, division=clue.division, unit=unit, profile_key="t",
        ack_due=received + 7 * DAY, feedback_due=received + (183 if extended else 91) * DAY,
        acknowledged_at=received + ack * DAY if ack is not None else None,
        feedback_at=received + fb * DAY if fb is not None else None,
        extended_at=received + 80 * DAY if extended else None)


@pytest.fixture
def data(org_world):
    w = org_world
    _clock(w, w.clue_in, w.county, ack=1, fb=30)            # both in time
    _clock(w, w.clue_in, w.county, ack=9, fb=95)            # both late
    _clock(w, w.clue_in, w.county)                          # both overdue now
    _clock(w, w.clue_in, w.county, ack=2, extended=True)    # feedback pending (extended to day 183)
    _clock(w, w.clue_in, w.county, ack=3, received=NOW - 2 * DAY)  # ack in time; feedback not due yet
    _clock(w, w.clue_out, w.other_county, ack=1, fb=10)     # the sibling county
    return w


def test_figures_per_unit_on_constructed_data(data):
    rows, total = clocks.report(ReportClock.objects.all(), NOW)
    by = {r.unit_id: r.counts for r in rows}
    c = by[data.county.pk]
    assert (c["received"], c["ack_in_time"], c["ack_late"], c["ack_overdue"], c["ack_pending"]) == (5, 3, 1, 1, 0)
    assert (c["fb_in_time"], c["fb_late"], c["fb_overdue"], c["fb_pending"], c["extended"]) == (1, 1, 1, 2, 1)
    assert c["ack_due"] == 5 and c["fb_due"] == 3
    county = next(r for r in rows if r.unit_id == data.county.pk)
    assert county.ack_rate == 60.0 and county.fb_rate == 33.3
    assert total.counts["received"] == 6 and total.counts["ack_in_time"] == 4


def _get(client, url):
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return client.get(url)


def test_the_page_shows_the_persons_territory_only(data, staff_client):
    c = staff_client(data.staff["supervisor"])
    resp = _get(c, "/staff/compliance/?from=2026-01&to=2026-06")
    body = resp.content.decode()
    assert resp.status_code == 200 and data.county.name in body and data.other_county.name not in body
    assert _get(c, f"/staff/compliance/?division={data.other_county.division.code}").status_code == 404


def test_a_national_supervisor_sees_every_unit(data, staff_client):
    from tests.org.factories import make_staff

    boss = make_staff("nation-supervisor", data.nation, "supervisor")
    body = _get(staff_client(boss), "/staff/compliance/?from=2026-01&to=2026-06").content.decode()
    assert data.county.name in body and data.other_county.name in body


def test_the_period_filter_counts_reports_received_in_it(data, staff_client):
    body = _get(staff_client(data.staff["supervisor"]), "/staff/compliance/?from=2026-07&to=2026-08").content.decode()
    assert "No clocked reports were received here in this period." in body


@pytest.mark.parametrize("query", ["from=2026-13", "from=26-1", "from=2026-06&to=2026-01", "from=1990-01&to=2026-01"])
def test_an_impossible_period_is_refused_with_a_message(data, staff_client, query):
    resp = _get(staff_client(data.staff["supervisor"]), f"/staff/compliance/?{query}")
    assert resp.status_code == 400 and b"errorbox" in resp.content


def test_the_xlsx_holds_the_same_figures(data, staff_client):
    from openpyxl import load_workbook

    resp = _get(staff_client(data.staff["auditor"]), "/staff/compliance/report.xlsx?from=2026-01&to=2026-06")
    assert resp.status_code == 200 and resp["Content-Disposition"].endswith('.xlsx"')
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Unit"))
    county = rows[header + 1]
    assert county[0] == data.county.name and county[1] == 5 and county[3] == 3 and county[6] == 60.0
    assert rows[-1][0] == "Total" and rows[-1][1] == 5


def test_the_clocks_list_filters_overdue_and_offers_extension(data, staff_client):
    body = _get(staff_client(data.staff["dispatcher"]), "/staff/compliance/clocks/?state=overdue").content.decode()
    assert body.count('id="clock-') == 1 and "/extend/" in body
    body = _get(staff_client(data.staff["auditor"]), "/staff/compliance/clocks/?state=all").content.decode()
    assert body.count('id="clock-') == 5 and "/extend/" not in body


def test_extension_through_the_page(data, staff_client):
    clock = ReportClock.objects.filter(unit=data.county, feedback_at__isnull=True, extended_at__isnull=True).first()
    c = staff_client(data.staff["supervisor"])
    resp = c.post(f"/staff/compliance/clocks/{clock.pk}/extend/", {"reason": ""})
    assert resp.status_code == 303
    clock.refresh_from_db()
    assert clock.extended_at is None
    resp = c.post(f"/staff/compliance/clocks/{clock.pk}/extend/", {"reason": "witnesses abroad until May"})
    clock.refresh_from_db()
    assert clock.extended_at is not None and clock.extension_reason == "witnesses abroad until May"
    assert clock.feedback_due == clock.received_at + 105 * DAY
    assert timezone.now() - clock.extended_at < dt.timedelta(minutes=5)
