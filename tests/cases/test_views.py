"""Register pages: lists, filters, exports, detail pages and HTMX actions, in both languages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from cluedesk.cases import services
from cluedesk.cases.models import CaseStage, Fugitive, MajorCase
from cluedesk.ledger.models import Event

pytestmark = pytest.mark.django_db
D = dt.date
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def data(w):
    user = w.staff["dispatcher"]
    w.case_in = services.open_case(acting_user=user, division=w.county.division, title="浏阳砂石场案",
                                   opened_on=D(2026, 1, 10), listed=True, level="provincial", clues=[w.clue_in])
    services.start_stage(w.case_in, acting_user=user, stage="investigation", started_on=D(2026, 1, 11))
    w.case_plain = services.open_case(acting_user=user, division=w.county.division, title="某村霸案",
                                      opened_on=D(2026, 2, 1))
    w.case_out = services.open_case(acting_user=None, division=w.other_county.division, title="芙蓉赌场案",
                                    opened_on=D(2026, 1, 10))
    w.inv_in = services.open_umbrella(acting_user=None, division=w.county.division, title="砂石场保护伞",
                                      opened_on=D(2026, 2, 1), cases=[w.case_in])
    w.official = services.add_official(w.inv_in, acting_user=None, name="赵某", position="所长", organisation="派出所")
    w.fug_in = services.list_fugitive(acting_user=None, case=w.case_in, name="钱某", at_large_since=D(2025, 12, 1),
                                      listed_on=D(2026, 1, 12), abroad=True)
    w.fug_out = services.list_fugitive(acting_user=None, case=w.case_out, name="孙某", at_large_since=D(2025, 12, 1),
                                       listed_on=D(2026, 1, 12))
    return w


def _zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def test_case_list_is_scoped_and_filters(data, staff_client):
    client = staff_client(data.staff["verifier"])
    page = client.get("/staff/cases/").content.decode()
    assert data.case_in.number in page and data.case_plain.number in page and data.case_out.number not in page
    listed = client.get("/staff/cases/?listed=yes").content.decode()
    assert data.case_in.number in listed and data.case_plain.number not in listed
    staged = client.get("/staff/cases/?stage=none").content.decode()
    assert data.case_plain.number in staged and data.case_in.number not in staged
    found = client.get("/staff/cases/", {"q": data.clue_in.public_id}).content.decode()
    assert data.case_in.number in found and data.case_plain.number not in found
    partial = client.get("/staff/cases/?q=nothing-like-this", **HX).content.decode()
    assert "No case matches" in partial and "<html" not in partial


def test_case_list_in_chinese(data, staff_client):
    page = _zh(staff_client(data.staff["supervisor"])).get("/staff/cases/").content.decode()
    assert "重大案件" in page and "挂牌" in page and "登记案件" in page


def test_exports(data, staff_client):
    from openpyxl import load_workbook

    client = staff_client(data.staff["auditor"], sudo=True)
    csv_text = b"".join(client.get("/staff/cases/export/csv/").streaming_content).decode("utf-8-sig")
    assert data.case_in.number in csv_text and data.case_out.number not in csv_text
    xlsx = client.get("/staff/cases/fugitives/export/xlsx/")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Number" and [r[0] for r in rows[1:]] == [data.fug_in.number]  # headers in the reader's language
    umbrella = b"".join(client.get("/staff/cases/umbrella/export/csv/").streaming_content).decode("utf-8-sig")
    assert "赵某" in umbrella
    assert Event.objects.filter(verb__in=["cases.exported", "fugitives.exported", "umbrella.exported"]).count() == 3


def test_export_needs_a_fresh_sign_in(data, staff_client):
    response = staff_client(data.staff["auditor"]).get("/staff/cases/export/csv/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/sudo/")


def test_detail_pages(data, staff_client):
    reader = staff_client(data.staff["signatory_1"])
    page = reader.get(f"/staff/cases/{data.case_in.pk}/").content.decode()
    assert data.case_in.title in page and data.clue_in.public_id in page and data.fug_in.number in page
    assert "act/stage/" not in page  # readers get no forms
    assert reader.get(f"/staff/cases/{data.case_out.pk}/").status_code == 404
    writer = staff_client(data.staff["dispatcher"])
    assert "act/stage/" in writer.get(f"/staff/cases/{data.case_in.pk}/").content.decode()
    assert "钱某" in reader.get(f"/staff/cases/fugitives/{data.fug_in.pk}/").content.decode()
    assert "赵某" in reader.get(f"/staff/cases/umbrella/{data.inv_in.pk}/").content.decode()
    assert reader.get(f"/staff/cases/fugitives/{data.fug_out.pk}/").status_code == 404
    zh = _zh(staff_client(data.staff["dispatcher"])).get(f"/staff/cases/{data.case_in.pk}/").content.decode()
    assert "办案阶段" in zh and "侦查" in zh


def test_htmx_stage_action_and_refusal_in_chinese(data, staff_client):
    client = staff_client(data.staff["dispatcher"])
    url = f"/staff/cases/{data.case_in.pk}/act/complete/"
    ok = client.post(url, {"completed_on": "2026-03-01"}, **HX)
    assert ok.status_code == 200 and 'id="case-main"' in ok.content.decode() and "<html" not in ok.content.decode()
    assert CaseStage.objects.get(case=data.case_in).completed_on == D(2026, 3, 1)
    before = Event.objects.count()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    bad = _zh(client).post(f"/staff/cases/{data.case_in.pk}/act/stage/",
                           {"stage": "review", "started_on": future}, **HX)
    assert "开始日期不能晚于今天" in bad.content.decode()
    order = client.post(f"/staff/cases/{data.case_in.pk}/act/stage/",
                        {"stage": "trial", "started_on": "2026-03-02"}, **HX)
    assert "下一阶段是“审查起诉”" in order.content.decode()
    assert Event.objects.count() == before and CaseStage.objects.filter(case=data.case_in).count() == 1


def test_action_without_javascript(data, staff_client):
    client = staff_client(data.staff["supervisor"])
    ok = client.post(f"/staff/cases/{data.case_in.pk}/act/suspect/", {"name": "周某", "role": "leader"})
    assert ok.status_code == 303 and ok["Location"] == f"/staff/cases/{data.case_in.pk}/"
    bad = client.post(f"/staff/cases/{data.case_in.pk}/act/complete/", {"completed_on": "2025-01-01"})
    assert bad.status_code == 400 and "cannot be completed before it started" in bad.content.decode()
    assert client.post(f"/staff/cases/{data.case_in.pk}/act/bogus/", {}).status_code == 404


def test_new_case_form(data, staff_client):
    client = staff_client(data.staff["dispatcher"])
    assert client.get(f"/staff/cases/new/?clue={data.clue_in.public_id}").status_code == 200
    response = client.post("/staff/cases/new/", {"title": "新案", "division": data.county.division.code,
                                                 "opened_on": "2026-03-01", "level": "city",
                                                 "clues": data.clue_in.public_id})
    case = MajorCase.objects.get(title="新案")
    assert response.status_code == 302 and list(case.clues.all()) == [data.clue_in]
    count = MajorCase.objects.count()
    outside = client.post("/staff/cases/new/", {"title": "越权", "division": data.other_county.division.code,
                                                "opened_on": "2026-03-01", "level": "city"})
    assert outside.status_code == 400 and MajorCase.objects.count() == count
    other_clue = client.post("/staff/cases/new/", {"title": "越权", "division": data.county.division.code,
                                                   "opened_on": "2026-03-01", "level": "city",
                                                   "clues": data.clue_out.public_id})
    assert other_clue.status_code == 400 and "is visible to you" in other_clue.content.decode()


def test_fugitive_caught_twice_is_refused_on_the_page(data, staff_client):
    client = staff_client(data.staff["dispatcher"])
    url = f"/staff/cases/fugitives/{data.fug_in.pk}/status/"
    assert client.post(url, {"status": "arrested", "on": "2026-03-01"}, **HX).status_code == 200
    again = client.post(url, {"status": "surrendered", "on": "2026-03-02"})
    assert again.status_code == 400 and "already caught" in again.content.decode()
    assert Fugitive.objects.get(pk=data.fug_in.pk).status == "arrested"
    listed = client.get("/staff/cases/fugitives/?status=arrested").content.decode()
    assert data.fug_in.number in listed
    assert data.fug_in.number not in client.get("/staff/cases/fugitives/?abroad=no").content.decode()


def test_new_fugitive_and_umbrella_forms(data, staff_client):
    client = staff_client(data.staff["admin"])
    r = client.post("/staff/cases/fugitives/new/", {"case": data.case_in.number, "name": "吴某",
                                                    "at_large_since": "2026-01-01", "listed_on": "2026-01-02",
                                                    "id_number": "430181199001011234"})
    person = Fugitive.objects.get(name="吴某")
    assert r.status_code == 302 and person.id_hint == "1234" and person.sealed_identity
    r = client.post("/staff/cases/fugitives/new/", {"case": data.case_out.number, "name": "x",
                                                    "at_large_since": "2026-01-01"})
    assert r.status_code == 400 and not Fugitive.objects.filter(name="x").exists()
    r = client.post("/staff/cases/umbrella/new/", {"title": "新的保护伞案", "division": data.county.division.code,
                                                   "opened_on": "2026-03-01", "cases": data.case_in.number})
    assert r.status_code == 302
    inv = data.case_in.umbrella_cases.get(title="新的保护伞案")
    r = client.post(f"/staff/cases/umbrella/{inv.pk}/act/official/", {"name": "郑某", "position": "科长",
                                                                      "organisation": "交通运输局"}, **HX)
    assert "郑某" in r.content.decode()
    official = inv.officials.get()
    r = client.post(f"/staff/cases/umbrella/{inv.pk}/act/outcome/", {"official": official.pk, "kind": "sanction",
                                                                     "on": "2026-03-05", "detail": ""}, **HX)
    assert "Say which discipline or sanction" in r.content.decode()
    r = client.post(f"/staff/cases/umbrella/{inv.pk}/act/outcome/", {"official": data.official.pk, "kind": "transfer",
                                                                     "on": "2026-03-05"}, **HX)
    assert "Choose an official of this investigation" in r.content.decode()


def test_umbrella_investigation_of_ones_own_unit_is_hidden(data, staff_client):
    data.official.unit = data.county
    data.official.save()
    client = staff_client(data.staff["supervisor"])
    assert client.get(f"/staff/cases/umbrella/{data.inv_in.pk}/").status_code == 404
    assert data.inv_in.number not in client.get("/staff/cases/umbrella/").content.decode()


def test_an_investigation_hidden_by_conflict_of_interest_is_not_found_even_to_a_writer_elsewhere(data, staff_client):
    from tests.org.factories import make_staff

    # reads the registers in 浏阳 (the investigation's county), keeps them in 芙蓉 (a write role elsewhere)
    person = make_staff("liuyang-reader-furong-writer", data.county, "verifier")
    make_staff("liuyang-reader-furong-writer", data.other_county, "dispatcher")
    client = staff_client(person)
    url = f"/staff/cases/umbrella/{data.inv_in.pk}/act/official/"
    form = {"name": "郑某", "position": "科长", "organisation": "局"}
    assert client.post(url, form).status_code == 403  # sees it, may not act on it
    data.official.unit = data.county  # now it investigates an official of the person's own unit
    data.official.save()
    assert client.post(url, form).status_code == 404  # not told that it exists
    assert client.get(f"/staff/cases/umbrella/{data.inv_in.pk}/").status_code == 404


def test_umbrella_list_filters(data, staff_client):
    client = staff_client(data.staff["verifier"])
    assert data.inv_in.number in client.get("/staff/cases/umbrella/?outcome=pending").content.decode()
    assert data.inv_in.number not in client.get("/staff/cases/umbrella/?outcome=transfer").content.decode()
    assert data.inv_in.number in client.get("/staff/cases/umbrella/", {"q": "派出所"}).content.decode()
    zh = _zh(client).get("/staff/cases/umbrella/").content.decode()
    assert "“保护伞”案件" in zh


def test_dashboard_shows_the_panel(data, staff_client):
    page = staff_client(data.staff["supervisor"]).get("/staff/supervision/").content.decode()
    assert 'id="cases-panel"' in page


def test_clue_page_links_to_its_case(data, staff_client):
    page = staff_client(data.staff["dispatcher"]).get(f"/staff/clues/{data.clue_in.public_id}/").content.decode()
    assert f"/staff/cases/{data.case_in.pk}/" in page and data.case_in.number in page
    plain = staff_client(data.staff["intake_reviewer"]).get(f"/staff/clues/{data.clue_in.public_id}/")
    assert data.case_in.number not in plain.content.decode()  # intake reviewers do not read the registers


def test_a_repeated_action_changes_nothing(data, staff_client):
    client = staff_client(data.staff["supervisor"])
    form = {"level": "provincial", "listed": "on", "listed_on": "2026-01-10"}
    first = client.post(f"/staff/cases/{data.case_in.pk}/act/listing/", form, **HX).content.decode()
    before = Event.objects.count()
    again = _zh(client).post(f"/staff/cases/{data.case_in.pk}/act/listing/", form, **HX).content.decode()
    assert "Nothing changed" in first and "无需变更" in again and Event.objects.count() == before


def test_division_filter_takes_the_subtree(data, staff_client):
    client = staff_client(data.staff["supervisor"])
    assert data.case_in.number in client.get("/staff/cases/?division=430100").content.decode()
    assert data.case_in.number not in client.get("/staff/cases/?division=0100").content.decode()
    assert data.fug_in.number in client.get("/staff/cases/fugitives/?division=430181").content.decode()


def test_the_industry_page_lists_the_cases_linked_to_its_clues(data, staff_client):
    # the cases reach rectify's industry page through the registry (rectify imports no cases module);
    # the old page looked for a model that never existed and so never showed any
    data.clue_in.industry = "natural_resources"
    data.clue_in.save(update_fields=["industry"])
    data.clue_out.industry = "natural_resources"
    data.clue_out.save(update_fields=["industry"])
    services.link_clues(data.case_out, acting_user=None, clues=[data.clue_out], units=[])
    page = staff_client(data.staff["supervisor"]).get("/staff/rectify/industries/natural_resources/").content.decode()
    assert f'<a href="/staff/cases/{data.case_in.pk}/">{data.case_in.number} ' in page
    assert data.case_plain.number not in page  # no clue of this industry
    assert data.case_out.number not in page  # outside the supervisor's territory
    other = staff_client(data.staff["supervisor"]).get("/staff/rectify/industries/construction/").content.decode()
    assert data.case_in.number not in other
    liaison = staff_client(data.staff["industry_liaison"]).get("/staff/rectify/industries/natural_resources/")
    assert liaison.status_code == 200 and data.case_in.number not in liaison.content.decode()  # no register reader


def test_every_export_writes_its_event(data, staff_client):
    client = staff_client(data.staff["auditor"], sudo=True)
    for url, verb, fmt, filters in (("/staff/cases/export/xlsx/?listed=yes", "cases.exported", "xlsx", {"listed": "yes"}),
                                    ("/staff/cases/umbrella/export/csv/", "umbrella.exported", "csv", {}),
                                    ("/staff/cases/fugitives/export/csv/?abroad=yes", "fugitives.exported", "csv",
                                     {"abroad": "yes"})):
        assert client.get(url).status_code == 200
        event = Event.objects.get(verb=verb)
        assert (event.subject_type, event.actor_id) == (f"{verb.split('.')[0]}_list", str(data.staff["auditor"].pk))
        assert event.data == {"format": fmt, "filters": filters, "rows": 1}
    assert client.get("/staff/cases/export/pdf/").status_code == 404
    assert Event.objects.filter(verb="cases.exported").count() == 1  # an unknown format records nothing
