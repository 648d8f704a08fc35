import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.utils import timezone

from cluedesk.platform.fonts import cjk_font
from cluedesk.supervision import stats
from tests.org.factories import login_verified, make_division, make_staff, world

from .helpers import move, new_clue

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = world(with_clues=False)
    now = timezone.now()
    d = make_staff("dispatcher-x", w.nation, "dispatcher")
    for code, unit, n in (("430181", w.county, 3), ("430102", w.other_county, 2)):
        for i in range(n):
            c = new_clue(make_division(code))
            move(c, "concluded" if i == 0 else "assigned", user=d, unit=unit,
                 outcome="criminal_case" if code == "430181" else "no_action",
                 deadline=now + dt.timedelta(days=5), concluded_at=now)
    stats.rebuild(now + dt.timedelta(hours=1))
    return w


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_county_supervisor_sees_its_county_and_not_its_sibling(w):
    client = login_verified(Client(), w.staff["supervisor"])
    page = client.get("/staff/supervision/")
    assert page.status_code == 200
    text = _text(page)
    assert "浏阳市" in text and "33.3%" in text     # 1 concluded of 3 dispatched
    assert client.get("/staff/supervision/?division=430102").status_code == 404
    assert client.get("/staff/supervision/?division=430100").status_code == 404   # above it: not its business
    assert client.get("/staff/supervision/?division=nope").status_code == 404
    assert login_verified(Client(), w.staff["verifier"]).get("/staff/supervision/").status_code == 403


def test_the_national_dashboard_drills_down_and_links_to_the_filtered_clue_list(w):
    boss = make_staff("national-supervisor", w.nation, "supervisor")
    client = login_verified(Client(), boss)
    page = client.get("/staff/supervision/?division=430100")
    body = page.content.decode()
    assert page.status_code == 200
    assert "/staff/clues/?division=430181&amp;state=concluded" in body
    assert 'type="application/json"' in body and "<script>" not in body   # no inline script (CSP)
    assert "Verification rate" in body and "Concluded ÷ dispatched." in body
    assert "vs previous period" in body


def test_a_bad_period_is_explained_not_a_crash(w):
    client = login_verified(Client(), w.staff["supervisor"])
    page = client.get("/staff/supervision/?from=2026-13&to=garbage")
    assert page.status_code == 200
    assert "YEAR-MONTH" in _text(page)
    page = client.get("/staff/supervision/?from=2026-06&to=2026-01")
    assert "starts after it ends" in _text(page)


def test_the_dashboard_speaks_chinese(w):
    client = login_verified(Client(), w.staff["supervisor"])
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/staff/supervision/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "核查率" in page.content.decode()


def test_the_xlsx_bulletin_has_the_figures_the_period_and_the_definitions(w):
    from openpyxl import load_workbook

    boss = make_staff("national-supervisor", w.nation, "supervisor")
    client = login_verified(Client(), boss)
    month = stats.month_of(timezone.now())
    response = client.get(f"/staff/supervision/bulletin.xlsx?division=430100&from={month:%Y-%m}&to={month:%Y-%m}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    flat = [str(v) for row in cells for v in row if v is not None]
    assert f"{month:%Y-%m}" in flat and "长沙市 (430100)" in flat
    assert "Concluded ÷ dispatched." in flat and "Cases ÷ concluded." in flat
    total = next(row for row in cells if row and row[0] == "Total")
    assert total[4] == 5 and total[7] == 2 and total[9] == 1   # clues, concluded, cases


def test_the_pdf_bulletin_renders_chinese_text(w):
    pytest.importorskip("weasyprint", reason="weasyprint (and Pango) are needed for PDF bulletins")
    if cjk_font() is None:
        pytest.skip("no CJK font installed (install fonts-wqy-microhei, see docs/operations.md)")
    boss = make_staff("national-supervisor", w.nation, "supervisor")
    response = login_verified(Client(), boss).get("/staff/supervision/bulletin.pdf?division=430100")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True,
                              check=True).stdout.decode()
        assert "长沙市" in text and "浏阳市" in text and "Cases ÷ concluded." in text
