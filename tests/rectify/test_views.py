"""Pages of the rectification registers: lists with filters, search, export; detail pages; HTMX
actions; both languages; people see only their part of the country."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cluedesk.rectify import industry, services, tasks
from cluedesk.rectify.models import Letter, ProblemItem
from tests.org.factories import login_verified
from tests.rectify.helpers import TODAY

pytestmark = pytest.mark.django_db


def _client(user, lang="en", sudo=False):
    c = login_verified(Client(), user, sudo=sudo)
    c.cookies["django_language"] = lang
    return c


@pytest.fixture
def filled(rw):
    rw.items = [services.add_item(acting_user=rw.supervisor, round=rw.round, owner=o, problem=p, measures="m",
                                  time_limit="2026-05-31")
                for o, p in ((rw.w.county, "线索核查不深不实"), (rw.w.county, "打伞破网推进不够"),
                             (rw.w.other_county, "芙蓉区的问题"))]
    rw.letter = industry.issue_letter(acting_user=rw.supervisor, kind="procuratorial", issuer=rw.procuratorate,
                                      recipient=rw.authority, number="浏检建〔2026〕1号", issue="非法采砂",
                                      issued_on="2026-04-01", deadline="2026-06-01", today=TODAY)
    rw.task = tasks.create_task(acting_user=rw.supervisor, year=2026, number=1, title="线索核查攻坚",
                                owner=rw.w.county, today=TODAY)
    return rw


@pytest.mark.parametrize("lang,words", [("en", ["Special supervision lists", "2 items", "Export this list"]),
                                        ("zh-hans", ["特派督导问题清单", "导出"])])
def test_the_items_list_in_both_languages_shows_only_the_county(filled, lang, words):
    page = _client(filled.w.staff["supervisor"], lang).get("/staff/rectify/items/").content.decode()
    for w in words:
        assert w in page
    assert "线索核查不深不实" in page and "芙蓉区的问题" not in page


def test_filters_search_and_the_htmx_partial(filled):
    c = _client(filled.supervisor)
    page = c.get("/staff/rectify/items/", {"q": "打伞"}).content.decode()
    assert "打伞破网推进不够" in page and "线索核查不深不实" not in page
    partial = c.get("/staff/rectify/items/", {"status": "verified"}, HTTP_HX_REQUEST="true").content.decode()
    assert "No supervision item matches." in partial and "<html" not in partial
    page = c.get("/staff/rectify/items/", {"owner": filled.w.other_county.pk}).content.decode()
    assert "芙蓉区的问题" in page and "线索核查不深不实" not in page
    page = c.get("/staff/rectify/items/", {"round": filled.round.pk}).content.decode()
    assert "0 of 3 items verified rectified" in page


def test_exports_need_a_fresh_re_authentication(filled):
    c = _client(filled.supervisor)
    for path in ("/staff/rectify/items/export.csv", "/staff/rectify/letters/export.xlsx",
                 "/staff/rectify/tasks/export.csv"):
        response = c.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/staff/sudo/"), path


def test_exports_csv_and_xlsx(filled):
    from openpyxl import load_workbook

    c = _client(filled.supervisor, sudo=True)
    body = b"".join(c.get("/staff/rectify/items/export.csv", {"q": "打伞"}).streaming_content).decode("utf-8-sig")
    assert "打伞破网推进不够" in body and "线索核查不深不实" not in body
    book = load_workbook(io.BytesIO(c.get("/staff/rectify/letters/export.xlsx").content))
    rows = list(book.active.values)
    assert rows[1][0] == "浏检建〔2026〕1号" and len(rows) == 2
    body = b"".join(c.get("/staff/rectify/tasks/export.csv", {"year": "2026"}).streaming_content).decode("utf-8-sig")
    assert "线索核查攻坚" in body
    assert c.get("/staff/rectify/items/export.pdf").status_code == 404


def test_each_export_writes_one_event_with_its_filters(filled):
    from cluedesk.ledger.models import Event

    c = _client(filled.supervisor, sudo=True)
    b"".join(c.get("/staff/rectify/items/export.csv", {"q": "打伞", "status": ""}).streaming_content)
    c.get("/staff/rectify/letters/export.xlsx")
    assert c.get("/staff/rectify/tasks/export.pdf").status_code == 404  # refused before anything is written
    events = list(Event.objects.filter(verb="rectify.exported").order_by("seq"))
    assert [(e.subject_type, e.actor_id, e.data) for e in events] == [
        ("supervision-items_list", str(filled.supervisor.pk), {"format": "csv", "filters": {"q": "打伞"}, "rows": 1}),
        ("letters_list", str(filled.supervisor.pk), {"format": "xlsx", "filters": {}, "rows": 1}),
    ]


def test_the_item_loop_through_the_pages_with_htmx(filled):
    item = filled.items[0]
    admin = _client(filled.w.staff["admin"])
    r = admin.post(f"/staff/rectify/items/{item.pk}/start/", HTTP_HX_REQUEST="true")
    assert "Marked as rectifying." in r.content.decode()
    upload = SimpleUploadedFile("report.txt", "整改完成".encode())
    r = admin.post(f"/staff/rectify/items/{item.pk}/submit/", {"note": "done", "unit": filled.w.county.pk,
                                                               "file": upload})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == ProblemItem.Status.SUBMITTED
    ev = item.evidence.get()
    file = admin.get(f"/staff/rectify/items/{item.pk}/evidence/{ev.pk}/")
    assert b"".join(file.streaming_content).decode() == "整改完成"
    sup = _client(filled.supervisor, "zh-hans")
    r = sup.post(f"/staff/rectify/items/{item.pk}/verify/", HTTP_HX_REQUEST="true")
    assert "已核实整改到位" in r.content.decode()
    item.refresh_from_db()
    assert item.status == ProblemItem.Status.VERIFIED
    page = sup.get(f"/staff/rectify/items/{item.pk}/").content.decode()
    assert "整改证明材料" in page and "report.txt" in page


def test_a_refused_action_shows_the_reason_in_the_users_language(filled):
    item = filled.items[0]
    c = _client(filled.w.staff["admin"], "zh-hans")
    r = c.post(f"/staff/rectify/items/{item.pk}/submit/", {"note": " "}, HTTP_HX_REQUEST="true")
    assert "整改情况说明" in r.content.decode()
    item.refresh_from_db()
    assert item.status == ProblemItem.Status.OPEN


def test_new_item_letter_and_task_forms(filled):
    c = _client(filled.supervisor)
    r = c.post("/staff/rectify/items/new/", {"round": filled.round.pk, "owner": filled.w.county.pk,
                                             "problem": "新问题", "time_limit": "2026-01-01"}, follow=True)
    assert "before the round started" in r.content.decode()
    r = c.post("/staff/rectify/items/new/", {"round": filled.round.pk, "owner": filled.w.county.pk,
                                             "problem": "新问题", "time_limit": "2026-07-01"})
    assert r.status_code == 302 and ProblemItem.objects.filter(problem="新问题").exists()
    r = c.post("/staff/rectify/letters/new/", {"kind": "supervision_letter", "issuer": filled.w.city.pk,
                                               "recipient": filled.authority.pk, "number": "长督〔2026〕2号",
                                               "issue": "i", "issued_on": "2026-04-01", "deadline": "2026-05-01"})
    assert r.status_code == 302 and Letter.objects.filter(number="长督〔2026〕2号").exists()
    r = c.post("/staff/rectify/tasks/new/", {"owner": filled.w.city.pk, "year": "2026", "number": "2",
                                             "title": "行业整治"})
    assert r.status_code == 302


def test_letter_detail_and_answer_by_the_recipient(filled):
    c = _client(filled.liaison, "zh-hans")
    page = c.get(f"/staff/rectify/letters/{filled.letter.pk}/").content.decode()
    assert "检察建议书" in page and "答复此函" in page
    r = c.post(f"/staff/rectify/letters/{filled.letter.pk}/answer/",
               {"answered_on": "2026-03-01", "text": "t"}, HTTP_HX_REQUEST="true")
    assert "早于" in r.content.decode()
    r = c.post(f"/staff/rectify/letters/{filled.letter.pk}/answer/",
               {"answered_on": str(dt.date.today()), "text": "整改完成", "rectified": "yes"})
    filled.letter.refresh_from_db()
    assert filled.letter.status == Letter.Status.RECTIFIED


def test_a_liaison_of_another_authority_cannot_see_the_letter(filled):
    c = _client(filled.other_liaison)
    assert c.get(f"/staff/rectify/letters/{filled.letter.pk}/").status_code == 404
    assert c.post(f"/staff/rectify/letters/{filled.letter.pk}/answer/", {"text": "x"}).status_code == 404


def test_industry_view_and_task_pages(filled):
    c = _client(filled.supervisor)
    page = c.get("/staff/rectify/industries/").content.decode()
    assert "Natural resources" in page
    page = c.get("/staff/rectify/industries/natural_resources/").content.decode()
    assert "浏检建〔2026〕1号" in page and "浏阳市自然资源局" in page
    assert c.get("/staff/rectify/industries/fishing/").status_code == 404
    r = c.post(f"/staff/rectify/tasks/{filled.task.pk}/milestones/", {"title": "Q3", "due": "2026-09-30"},
               HTTP_HX_REQUEST="true")
    assert "Milestone added." in r.content.decode()
    page = _client(filled.supervisor, "zh-hans").get(f"/staff/rectify/tasks/{filled.task.pk}/").content.decode()
    assert "节点" in page and "Q3" in page


def test_empty_states(rw):
    c = _client(rw.supervisor)
    assert "No supervision item matches." in c.get("/staff/rectify/items/").content.decode()
    assert "No letter matches." in c.get("/staff/rectify/letters/").content.decode()
    assert "No key task for" in c.get("/staff/rectify/tasks/").content.decode()
