"""The workbench through HTML: a clue walked from report to reviewed conclusion by people clicking
forms, per assignment mode; queues, filters, exports, refusals and what the reporter sees."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from cluedesk.clues import services
from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.intake import services as intake
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, verify
from cluedesk.org.access import SUDO_SESSION_KEY
from cluedesk.triage import services as triage_services
from tests.clues.conftest import login_verified
from tests.clues.test_lifecycle import TEAMS, open_in_furong
from tests.queue import run_queue

pytestmark = pytest.mark.django_db


def as_(world, name: str) -> Client:
    return login_verified(Client(), world.people[name])


def page(client: Client, clue: Clue):
    response = client.get(f"/staff/clues/{clue.public_id}/")
    assert response.status_code == 200, response.status_code
    return response


def post(client: Client, clue: Clue, verb: str, data: dict, *, expect: int = 303, files: dict | None = None):
    """Open the clue page, take the form's hidden fields (version, token) as the browser would, post."""
    html = page(client, clue).content.decode()
    form = re.search(rf'action="/staff/clues/{clue.public_id}/act/{verb}/".*?</form>', html, re.S)
    assert form, f"no {verb} form offered"
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    hidden.pop("csrfmiddlewaretoken", None)
    response = client.post(f"/staff/clues/{clue.public_id}/act/{verb}/", {**hidden, **data, **(files or {})})
    assert response.status_code == expect, (verb, response.status_code, response.content.decode()[:3000])
    return response


def unit_mode(world, mode: str, unit: str) -> str:
    return f"{mode}:{world.units[unit].pk}"


@pytest.mark.parametrize("mode", ["local", "offsite", "upgraded"])
def test_it_walks_a_clue_through_the_pages(world, mode, monkeypatch) -> None:
    monkeypatch.setattr(triage_services, "attach_or_open", open_in_furong(world))
    unit_key, verifier, (s1, s2) = TEAMS[mode]
    report, code = intake.submit_report(text="Loan sharks beat a debtor in Furong market.", channel="web",
                                        actor=Actor.reporter())
    run_queue()  # triage, as a worker would a moment later
    report.refresh_from_db()
    clue = report.clue

    post(as_(world, "reviewer"), clue, "screen_valid", {"priority": "high", "category": "loan_sharking"})
    post(as_(world, "dispatcher"), clue, "assign", {"unit_mode": unit_mode(world, mode, unit_key)})
    v = as_(world, verifier)
    post(v, clue, "start_verification", {})
    post(v, clue, "add_note", {"kind": "interview", "text": "Debtor interviewed: INTERNAL ONLY"})
    post(v, clue, "add_evidence", {"description": "ledger photo"},
         files={"file": SimpleUploadedFile("ledger.jpg", b"\xff\xd8\xff fake jpeg", "image/jpeg")})
    post(v, clue, "draft_conclusion", {"finding": "substantiated", "outcome": "criminal_case",
                                       "case_number": "FR-2026-17", "summary": "Two lenders detained.",
                                       "public_wording": "Verified. A criminal case was opened."})
    for who in (s1, s2, "sig3"):
        post(as_(world, who), clue, "sign", {})
    post(as_(world, "dispatcher"), clue, "conclude", {})
    post(as_(world, "supervisor"), clue, "review_keep", {"reason": "Well evidenced."})
    clue.refresh_from_db()
    assert clue.state == Clue.State.REVIEWED and clue.unit == world.units[unit_key]

    html = page(as_(world, "supervisor"), clue).content.decode()
    assert "Verified. A criminal case was opened." in html and "Timeline" in html

    # the reporter's status page: public steps, no internal notes, no unit names
    status = Client().post("/track/", {"code": code}, follow=True).content.decode()
    assert "Verified. A criminal case was opened." in status
    assert "INTERNAL ONLY" not in status and world.units[unit_key].name not in status
    assert verify().ok


def test_a_refusal_shows_the_reason_and_changes_nothing(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    ImplicatedUnit.objects.create(clue=clue, unit=world.units["K2"])
    c = as_(world, "dispatcher")
    events = Event.objects.count()
    # a forged choice: a barred unit that the form never offered
    response = post(c, clue, "assign", {"unit_mode": unit_mode(world, "offsite", "K2")}, expect=400)
    assert "Select a valid choice" in response.content.decode()
    # a stale form
    html = page(c, clue).content.decode()
    services.assign(clue, acting_user=world.dispatcher_c1, unit=world.units["C1"], mode="upgraded")
    form = re.search(r'act/assign/".*?name="version" value="(\d+)"', html, re.S)
    response = c.post(f"/staff/clues/{clue.public_id}/act/assign/",
                      {"version": form.group(1), "unit_mode": unit_mode(world, "local", "K1")})
    assert response.status_code == 409
    assert "assigned" in response.content.decode()
    assert list(Event.objects.filter(seq__gt=events).values_list("verb", flat=True)) == ["clue.assign"], \
        list(Event.objects.values_list("verb", "data"))


def test_an_unknown_verb_or_a_clue_out_of_scope_is_not_found(world) -> None:
    clue = world.clue()
    c = as_(world, "verifier_c2")
    assert c.get(f"/staff/clues/{clue.public_id}/").status_code == 404
    assert c.post(f"/staff/clues/{clue.public_id}/act/screen_valid/", {"version": 1}).status_code == 404
    assert as_(world, "reviewer").post(f"/staff/clues/{clue.public_id}/act/explode/").status_code == 404


def test_the_wrong_role_gets_403_and_nothing_changes(world) -> None:
    clue = world.clue()
    response = as_(world, "verifier").post(f"/staff/clues/{clue.public_id}/act/screen_valid/",
                                           {"version": clue.version, "priority": "normal"})
    assert response.status_code == 403
    clue.refresh_from_db()
    assert clue.state == Clue.State.NEW


def test_a_signed_out_person_is_sent_to_sign_in(world) -> None:
    clue = world.clue()
    response = Client().get(f"/staff/clues/{clue.public_id}/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_queues_filters_and_search(world) -> None:
    mine = world.clue(title="Quarry on the river")
    drafted = world.clue(Clue.State.DRAFTED, unit=world.units["K1"], mode="local")
    overdue = world.clue(Clue.State.VERIFYING, unit=world.units["K1"], mode="local",
                         deadline="2020-01-01T00:00:00Z", umbrella=True)
    far = world.clue(division="430200", title="Zhuzhou matter")
    c = as_(world, "supervisor")  # C1: sees Changsha and its counties, not Zhuzhou
    listing = c.get("/staff/clues/").content.decode()
    assert mine.public_id in listing and far.public_id not in listing
    assert overdue.public_id in c.get("/staff/clues/?queue=overdue").content.decode()
    assert mine.public_id not in c.get("/staff/clues/?queue=overdue").content.decode()
    assert mine.public_id in c.get("/staff/clues/?q=quarry").content.decode()
    assert overdue.public_id not in c.get("/staff/clues/?q=quarry").content.decode()
    assert overdue.public_id in c.get("/staff/clues/?umbrella=on").content.decode()
    assert drafted.public_id in c.get("/staff/clues/?state=drafted").content.decode()
    sig = as_(world, "sig1").get("/staff/clues/?queue=sign").content.decode()
    assert drafted.public_id in sig and mine.public_id not in sig
    partial = c.get("/staff/clues/?queue=all", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and mine.public_id in partial
    assert mine.public_id in as_(world, "reviewer").get("/staff/clues/?queue=mine").content.decode()


def test_pagination(world) -> None:
    for _ in range(30):
        world.clue()
    c = as_(world, "reviewer")
    first = c.get("/staff/clues/").content.decode()
    second = c.get("/staff/clues/?page=2").content.decode()
    assert first.count('class="cluerow') == 25 and second.count('class="cluerow') == 5


def test_export_needs_a_fresh_reauthentication_and_gives_csv_and_xlsx(world) -> None:
    a = world.clue(title="Sand quarry")
    world.clue(division="430200")
    c = as_(world, "supervisor")
    assert c.get("/staff/clues/export/csv/").status_code == 302  # to re-authenticate
    session = c.session
    session[SUDO_SESSION_KEY] = time.time() + 300
    session.save()
    response = c.get("/staff/clues/export/csv/?q=quarry")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = body.strip().splitlines()
    assert rows[0].startswith("Number,Title,State") and len(rows) == 2 and a.public_id in rows[1]
    assert rows[1].startswith(f"{a.public_id},Sand quarry,new,")
    response = c.get("/staff/clues/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Number", a.public_id]
    assert Event.objects.filter(verb="clues.exported").count() == 2


def test_the_export_speaks_the_readers_language(world) -> None:
    from cluedesk.triage import labels
    from cluedesk.triage.models import Category, Industry

    Category.objects.update_or_create(code="gambling", defaults={"name": "Gambling", "name_zh": "赌博"})
    Industry.objects.update_or_create(code="transport", defaults={"name": "Transport", "name_zh": "交通运输"})
    labels._cache.clear()
    a = world.clue(title="码头赌场", category="gambling", industry="transport", umbrella=True)
    c = as_(world, "supervisor")
    session = c.session
    session[SUDO_SESSION_KEY] = time.time() + 300
    session.save()
    response = c.get("/staff/clues/export/xlsx/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    book = load_workbook(io.BytesIO(response.content))
    header, row = list(book.active.iter_rows(values_only=True))
    assert header[:5] == ("编号", "标题", "状态", "优先级", "类别") and book.active.title == "线索"
    assert row[:6] == (a.public_id, "码头赌场", "新收", "一般", "赌博", "交通运输")
    assert "gambling" not in row and "transport" not in row and "yes" not in row
    assert row[12] == "是"


def test_staff_write_to_the_reporter_from_the_clue_page(world, monkeypatch) -> None:
    monkeypatch.setattr(triage_services, "attach_or_open", open_in_furong(world))
    report, code = intake.submit_report(text="Casino behind the tea house.", channel="web", actor=Actor.reporter())
    run_queue()  # triage, as a worker would a moment later
    report.refresh_from_db()
    c = as_(world, "reviewer")
    response = c.post(f"/staff/clues/{report.clue.public_id}/message/", {"report": report.pk,
                                                                       "body": "Which street is it on?"})
    assert response.status_code == 303
    assert report.messages.get().body == "Which street is it on?"
    assert as_(world, "sig1").post(f"/staff/clues/{report.clue.public_id}/message/",
                                   {"report": report.pk, "body": "x"}).status_code == 403


def test_the_clue_page_reads_in_chinese(world) -> None:
    clue = world.clue()
    c = as_(world, "reviewer")
    c.cookies["django_language"] = "zh-hans"
    html = c.get(f"/staff/clues/{clue.public_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "你现在可以做的" in html or "受理为有效" in html



def test_bulk_assign_assigns_each_ticked_clue_and_reports_each_refusal(world) -> None:
    ok1, ok2 = world.clue(Clue.State.SCREENED), world.clue(Clue.State.SCREENED)
    barred = world.clue(Clue.State.SCREENED)
    ImplicatedUnit.objects.create(clue=barred, unit=world.units["K2"])
    new = world.clue()
    c = as_(world, "dispatcher")
    listing = c.get("/staff/clues/?state=screened").content.decode()
    assert f'value="{ok1.public_id}:{ok1.version}"' in listing
    response = c.post("/staff/clues/bulk-assign/", {
        "clues": [f"{x.public_id}:{x.version}" for x in (ok1, ok2, barred, new)],
        "unit": world.units["K2"].pk, "mode": "offsite", "back": "/staff/clues/?state=screened"}, follow=True)
    html = response.content.decode()
    for x in (ok1, ok2):
        x.refresh_from_db()
        assert x.state == "assigned" and x.unit == world.units["K2"]
    assert f"{new.public_id}: This action is not possible" in html
    barred.refresh_from_db()
    assert barred.state == "screened"
    assert as_(world, "verifier").post("/staff/clues/bulk-assign/", {"clues": [f"{new.public_id}:1"]}).status_code == 403


def test_merging_from_the_page_moves_the_reports(world, monkeypatch) -> None:
    monkeypatch.setattr(triage_services, "attach_or_open", open_in_furong(world))
    first, _c1 = intake.submit_report(text="Sand mafia at the river bend.", channel="web", actor=Actor.reporter())
    run_queue()  # triage, as a worker would a moment later
    first.refresh_from_db()
    second, code = intake.submit_report(text="Same sand gang beat a driver.", channel="web", actor=Actor.reporter())
    run_queue()  # triage, as a worker would a moment later
    second.refresh_from_db()
    post(as_(world, "reviewer"), second.clue, "merge", {"into": first.clue.public_id})
    second.refresh_from_db()
    assert second.clue == first.clue
    assert Clue.objects.filter(state="merged").count() == 1
    assert Event.objects.filter(verb="clue.merge").count() == 1
    assert verify().ok
