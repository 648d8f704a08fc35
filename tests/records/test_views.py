"""The staff retention page: who sees what, holds placed and released through the forms, sudo,
the run button over the person's own area, exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from cluedesk.ledger.models import Event
from cluedesk.records.models import LegalHold, Purge
from tests.supervision.helpers import move

from .helpers import full_clue

pytestmark = pytest.mark.django_db

OLD = dt.datetime(2019, 1, 5, tzinfo=dt.UTC)   # closed long ago: due under every profile


@pytest.fixture
def w(org_world):
    return org_world


def test_the_auditor_reads_the_page_but_has_no_forms(w, staff_client):
    clue = full_clue(w, concluded_at=OLD)
    resp = staff_client(w.staff["auditor"]).get("/staff/records/")
    body = resp.content.decode()
    assert resp.status_code == 200 and clue.public_id in body and "1825" in body
    assert "/staff/records/run/" not in body and "Place a hold" not in body
    assert staff_client(w.staff["verifier"]).get("/staff/records/").status_code == 403


def test_the_page_in_chinese(w, staff_client):
    full_clue(w, concluded_at=OLD)
    client = staff_client(w.staff["custodian"])
    client.cookies["django_language"] = "zh-hans"
    body = client.get("/staff/records/").content.decode()
    assert "保存期限与依法保全" in body and "依法保全" in body and "已到期" in body


def test_a_hold_through_the_form_then_released(w, staff_client):
    clue = full_clue(w, concluded_at=OLD)
    client = staff_client(w.staff["custodian"], sudo=True)
    resp = client.post("/staff/records/holds/", {"clue": clue.public_id.lower(), "reason": "Court order"})
    assert resp.status_code == 302
    hold = LegalHold.objects.get(clue=clue, released_at__isnull=True)
    client.post("/staff/records/run/")
    assert not Purge.objects.exists()
    resp = client.post(f"/staff/records/holds/{hold.pk}/release/", {"reason": ""}, follow=True)
    assert "reason for the release is required" in resp.content.decode()
    client.post(f"/staff/records/holds/{hold.pk}/release/", {"reason": "Judgment final"})
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.released_by == w.staff["custodian"]
    resp = client.post("/staff/records/run/", follow=True)
    assert "1 clue(s) purged" in resp.content.decode()
    assert Purge.objects.filter(clue=clue).exists()


def test_an_unknown_or_foreign_clue_is_a_message_and_writes_nothing(w, staff_client):
    client = staff_client(w.staff["admin"], sudo=True)
    events = Event.objects.count()
    resp = client.post("/staff/records/holds/", {"clue": "CNOSUCH", "reason": "x"}, follow=True)
    assert "No clue with the number" in resp.content.decode()
    resp = client.post("/staff/records/holds/", {"clue": w.clue_out.public_id, "reason": "x"}, follow=True)
    assert "No clue with the number" in resp.content.decode()
    assert client.post("/staff/records/holds/999/release/", {"reason": "x"}).status_code == 404
    assert Event.objects.count() == events and not LegalHold.objects.exists()


def test_changes_need_a_fresh_sudo(w, staff_client):
    resp = staff_client(w.staff["admin"]).post(f"/staff/records/holds/{w.clue_in.public_id}/add/",
                                               {"reason": "x", "back": "/staff/records/"})
    assert resp.status_code == 302 and resp["Location"].startswith("/staff/sudo/")
    assert not LegalHold.objects.exists()


def test_the_run_button_stays_in_the_persons_area(w, staff_client):
    mine = full_clue(w, concluded_at=OLD)
    theirs = move(w.clue_out, "concluded", user=w.other_staff["verifier"], unit=w.other_county, concluded_at=OLD)
    staff_client(w.staff["custodian"], sudo=True).post("/staff/records/run/")
    assert list(Purge.objects.values_list("clue__public_id", flat=True)) == [mine.public_id]
    assert not Purge.objects.filter(clue=theirs).exists()


def test_due_exports(w, staff_client):
    clue = full_clue(w, concluded_at=OLD)
    client = staff_client(w.staff["auditor"])
    assert clue.public_id in client.get("/staff/records/due.csv").content.decode("utf-8-sig")
    wb = load_workbook(io.BytesIO(client.get("/staff/records/due.xlsx").content))
    assert [r[0] for r in wb.active.iter_rows(values_only=True)][1:] == [clue.public_id]


def test_publishing_a_year_from_the_page(w, staff_client):
    resp = staff_client(w.staff["admin"], sudo=True).post("/staff/records/statistics/publish/", {"year": "20x5"},
                                                          follow=True)
    assert "is not a year" in resp.content.decode()


def test_what_a_purge_removes_is_named_in_the_readers_words(w, staff_client):
    import re

    clue = full_clue(w, concluded_at=OLD)
    client = staff_client(w.staff["custodian"], sudo=True)
    client.cookies["django_language"] = "zh-hans"
    shown = re.sub(r"<[^>]+>", " ", client.get("/staff/records/").content.decode())  # the dry run's counts
    assert "举报内容" in shown and "report_texts" not in shown and "index_entries" not in shown
    client.post("/staff/records/run/")
    assert Purge.objects.filter(clue=clue).exists()
    shown = re.sub(r"<[^>]+>", " ", client.get("/staff/records/").content.decode())  # the purge list
    assert "检索索引条目" in shown or "研判索引条目" in shown
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), re.findall(r"\b[a-z]+_[a-z_]+\b", shown)
