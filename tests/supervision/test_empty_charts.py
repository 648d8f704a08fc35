"""A chart whose figures are all 0 is not drawn: the page says there is nothing to draw."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cluedesk.supervision import stats
from tests.org.factories import login_verified, make_division, make_staff, world

from .helpers import move, new_clue

pytestmark = pytest.mark.django_db
EMPTY = "Nothing to draw: every figure is 0 for this period."


@pytest.fixture
def w():
    """Clues dispatched in two counties, none concluded: every rate in the ranking is 0."""
    w = world(with_clues=False)
    now = timezone.now()
    d = make_staff("dispatcher-x", w.nation, "dispatcher")
    for code, unit in (("430181", w.county), ("430102", w.other_county)):
        move(new_clue(make_division(code)), "assigned", user=d, unit=unit, deadline=now + dt.timedelta(days=5))
    stats.rebuild(now + dt.timedelta(hours=1))
    return w


def test_a_ranking_of_zeros_is_not_drawn_but_its_table_stays(w):
    client = login_verified(Client(), make_staff("national-supervisor", w.nation, "supervisor"))
    body = client.get("/staff/supervision/?division=430100").content.decode()
    assert 'data-chart="ranking"' not in body and EMPTY in body
    assert 'data-chart="backlog"' in body and 'data-chart="funnel"' in body  # these have figures
    assert "浏阳市" in body  # the ranking table still lists the divisions


def test_a_period_without_figures_draws_no_chart_in_either_language(w):
    client = login_verified(Client(), make_staff("national-supervisor", w.nation, "supervisor"))
    body = client.get("/staff/supervision/?division=430100&from=2020-01&to=2020-01").content.decode()
    assert "data-chart=" not in body and body.count(EMPTY) == 2  # funnel and trend; no children, no ranking
    zh = client.get("/staff/supervision/?division=430100&from=2020-01&to=2020-01",
                    HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本期各项数字均为 0" in zh


def test_cases_in_the_figures_are_cases_opened_not_the_case_registers(w):
    """"Cases" in a table of figures is 立案 (cases opened); 案件台账 names only the registers' menu entry."""
    client = login_verified(Client(), make_staff("national-supervisor", w.nation, "supervisor"))
    zh = client.get("/staff/supervision/?division=430100", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<th class="num">立案</th>' in zh and zh.count("案件台账") <= 1
    en = client.get("/staff/supervision/?division=430100").content.decode()
    assert '<th class="num">Cases</th>' in en
