"""The registers on django-filter and django-tables2: sorting by a header, page size, a division by
its name, scoping no filter widens, the export of exactly the filtered list, both languages."""

from __future__ import annotations

import pytest

from tests.cases.test_views import data  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _order(html: str, *numbers: str) -> list[str]:
    return sorted((n for n in numbers if n in html), key=html.index)


def test_cases_sort_by_a_header_and_page_size(data, staff_client):  # noqa: F811
    client = staff_client(data.staff["verifier"])
    a, b = data.case_in.number, data.case_plain.number
    assert _order(client.get("/staff/cases/?sort=opened_on").content.decode(), a, b) == [a, b]
    assert _order(client.get("/staff/cases/?sort=-opened_on").content.decode(), a, b) == [b, a]
    html = client.get("/staff/cases/?sort=opened_on&per_page=100").content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-opened_on" in html
    assert '<option value="100" selected>100</option>' in html


def test_a_register_filters_by_division_name_within_scope(data, staff_client):  # noqa: F811
    client = staff_client(data.staff["verifier"])
    mine, other = data.county.division, data.other_county.division
    page = client.get("/staff/cases/", {"division": mine.name}).content.decode()
    assert data.case_in.number in page and data.case_out.number not in page
    for asked in (other.name, other.code, "000000"):
        page = client.get("/staff/cases/", {"division": asked}).content.decode()
        assert data.case_out.number not in page, asked
    fugitives = client.get("/staff/cases/fugitives/", {"division": mine.name}).content.decode()
    assert data.fug_in.number in fugitives and data.fug_out.number not in fugitives
    umbrella = client.get("/staff/cases/umbrella/", {"division": mine.name, "sort": "-opened_on"}).content.decode()
    assert data.inv_in.number in umbrella


def test_the_export_is_the_filtered_list_in_its_order(data, staff_client):  # noqa: F811
    client = staff_client(data.staff["auditor"], sudo=True)
    response = client.get("/staff/cases/export/csv/", {"division": data.county.division.name, "sort": "opened_on"})
    rows = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == [data.case_in.number, data.case_plain.number]
    response = client.get("/staff/cases/export/csv/", {"division": data.other_county.division.name})
    assert b"".join(response.streaming_content).decode("utf-8-sig").strip().count("\n") == 0  # header only


def test_register_headers_in_both_languages(data, staff_client):  # noqa: F811
    client = staff_client(data.staff["supervisor"])
    en = client.get("/staff/cases/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    zh = client.get("/staff/cases/").content.decode()
    assert ">Number" in en and ">Current stage" in en and "Per page" in en
    assert ">编号" in zh and "每页条数" in zh and ">Number" not in zh
