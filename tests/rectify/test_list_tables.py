"""The rectification lists on django-filter and django-tables2: sorting by a header, page size, a
division by its name, scoping no filter widens, and the export of exactly the filtered list."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.rectify.test_views import _client, filled  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _problems(html: str, *problems: str) -> list[str]:
    return sorted((p for p in problems if p in html), key=html.index)


def test_items_sort_by_a_header_and_reverse(filled):  # noqa: F811
    c = _client(filled.supervisor)
    names = ("线索核查不深不实", "打伞破网推进不够", "芙蓉区的问题")
    up = _problems(c.get("/staff/rectify/items/?sort=problem").content.decode(), *names)
    down = _problems(c.get("/staff/rectify/items/?sort=-problem").content.decode(), *names)
    assert len(up) == 3 and down == list(reversed(up))
    html = c.get("/staff/rectify/items/?sort=problem").content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-problem" in html


def test_items_by_division_name_and_page_size(filled):  # noqa: F811
    c = _client(filled.supervisor)
    other = filled.w.other_county.division.name
    page = c.get("/staff/rectify/items/", {"division": other, "per_page": "50"}).content.decode()
    assert "芙蓉区的问题" in page and "线索核查不深不实" not in page
    assert '<option value="50" selected>50</option>' in page
    assert 'hx-get="/staff/divisions/search/"' in page


def test_a_division_filter_never_widens_the_scope(filled):  # noqa: F811
    c = _client(filled.w.staff["supervisor"])  # the county's supervisor: not 芙蓉区
    for division in (filled.w.other_county.division.name, filled.w.other_county.division.code, "000000"):
        assert "芙蓉区的问题" not in c.get("/staff/rectify/items/", {"division": division}).content.decode()


def test_the_export_is_the_filtered_list(filled):  # noqa: F811
    c = _client(filled.supervisor, sudo=True)
    c.cookies["django_language"] = "en"
    response = c.get("/staff/rectify/items/export.xlsx", {"division": filled.w.county.division.name,
                                                          "sort": "-problem"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    problems = [r[4] for r in rows[1:]]
    page = c.get("/staff/rectify/items/", {"division": filled.w.county.division.name, "sort": "-problem"})
    assert problems == _problems(page.content.decode(), "线索核查不深不实", "打伞破网推进不够", "芙蓉区的问题")
    assert len(problems) == 2  # the list as shown, in its order


def test_letters_and_tasks_tables_in_chinese(filled):  # noqa: F811
    c = _client(filled.supervisor, "zh-hans")
    letters = c.get("/staff/rectify/letters/").content.decode()
    assert "浏检建〔2026〕1号" in letters and "每页条数" in letters and "名称或代码" in letters
    tasks = c.get("/staff/rectify/tasks/?year=2026").content.decode()
    assert "线索核查攻坚" in tasks and "<meter" in tasks
