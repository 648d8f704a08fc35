"""Oral reports: the staff entry of a phone call or meeting with a recording (with consent) or
minutes; the reporter checks the minutes with the tracking code; versions and ledger events."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from cluedesk.compliance import services
from cluedesk.compliance.models import MinutesVersion, OralRecord
from cluedesk.intake.models import Attachment, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify

pytestmark = pytest.mark.django_db
MINUTES = "来电人称：菜市场有一伙人每月收取三百元管理费，带头的人外号老三。"
# the smallest MP3 the type check accepts: an ID3 header and one MPEG frame header
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400


@pytest.fixture
def reviewer(org_world):
    return org_world.staff["intake_reviewer"]


def _code(resp):
    return re.search(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", resp.content.decode()).group(0)


def _census():
    return (Report.objects.count(), OralRecord.objects.count(), MinutesVersion.objects.count(),
            Event.objects.count())


def test_a_meeting_with_minutes_is_kept_encrypted_and_ledgered(staff_client, reviewer):
    c = staff_client(reviewer)
    assert "oral-kind" in c.get("/staff/reports/new/").content.decode()
    resp = c.post("/staff/reports/new/", {"channel": "meeting", "text": "面谈记录：菜市场收保护费",
                                          "oral-kind": "minutes", "oral-minutes": MINUTES})
    assert resp.status_code == 201, resp.content.decode()[:2000]
    report = Report.objects.get()
    record = OralRecord.objects.get(report=report)
    assert record.kind == "minutes" and record.status == "awaiting" and report.channel == "meeting"
    v = record.versions.get()
    assert MINUTES.encode() not in bytes(v.sealed_text) and services.open_text(v.sealed_text) == MINUTES
    # one service, one event: the report's entry records the oral record made with it
    ev = Event.objects.get(subject_type="report", subject_id=str(report.pk))
    assert ev.verb == "report.submitted" and ev.actor_kind == "staff"
    assert ev.data["oral"] == {"kind": "minutes", "version": 1, "sha256": v.sha256}
    assert MINUTES not in str(ev.data)
    assert not Event.objects.filter(verb="compliance.oral_recorded").exists()


def test_a_recording_needs_consent_and_the_file(staff_client, reviewer):
    c = staff_client(reviewer)
    before = _census()
    resp = c.post("/staff/reports/new/", {"channel": "phone", "text": "电话举报", "oral-kind": "recording",
                                          "oral-recording": SimpleUploadedFile("call.mp3", MP3, "audio/mpeg")})
    assert resp.status_code == 400 and "consented" in resp.content.decode()
    resp = c.post("/staff/reports/new/", {"channel": "phone", "text": "电话举报", "oral-kind": "recording",
                                          "oral-consent": "on"})
    assert resp.status_code == 400 and "Attach the recording" in resp.content.decode()
    assert _census() == before


def test_a_recording_with_consent_is_attached_to_the_report(staff_client, reviewer):
    resp = staff_client(reviewer).post("/staff/reports/new/", {
        "channel": "phone", "text": "电话举报", "oral-kind": "recording", "oral-consent": "on",
        "oral-recording": SimpleUploadedFile("call.mp3", MP3, "audio/mpeg")})
    assert resp.status_code == 201, resp.content.decode()[:3000]
    record = OralRecord.objects.get()
    assert record.kind == "recording" and record.consent_at is not None
    assert record.recording is not None and record.recording.report_id == record.report_id
    assert record.recording.mime.startswith("audio/")
    ev = Event.objects.get(subject_type="report", subject_id=str(record.report_id))
    assert ev.verb == "report.submitted"
    assert ev.data["oral"] == {"kind": "recording", "recording": record.recording.public_id,
                               "digest": record.recording.digest}
    assert [f["id"] for f in ev.data["files"]] == [record.recording.public_id]


def _stored_files(settings):
    root = Path(settings.FILES_DIR)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("kind", ["recording", "minutes"])
def test_a_failure_keeping_the_oral_record_leaves_no_rows_no_event_and_no_files(staff_client, reviewer, settings,
                                                                                monkeypatch, kind):
    """Issue 21: the staff entry is one durable transaction; if its second step (the oral record)
    fails, the report, its attachments and the files already encrypted to disk go too."""
    def broken(*args, **kwargs):
        raise RuntimeError("the disk holding the minutes is gone")

    monkeypatch.setattr(OralRecord.objects, "create", broken)
    before = (_census(), Attachment.objects.count())
    post = {"channel": "phone", "text": "电话举报", "oral-kind": kind,
            "files": SimpleUploadedFile("note.txt", "来电人补充的书面材料".encode(), "text/plain")}
    if kind == "recording":
        post |= {"oral-consent": "on", "oral-recording": SimpleUploadedFile("call.mp3", MP3, "audio/mpeg")}
    else:
        post |= {"oral-minutes": MINUTES}
    client = staff_client(reviewer)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError, match="disk holding the minutes"):
        client.post("/staff/reports/new/", post)
    assert (_census(), Attachment.objects.count()) == before
    assert _stored_files(settings) == []


def test_staff_entry_cannot_be_folded_into_a_larger_transaction(org_world, reviewer):
    """``enter_report`` is durable: a caller cannot wrap it with another service in one transaction
    (which would make two events and could leave files behind on rollback)."""
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.enter_report(text="电话举报", channel="phone", oral_kind="minutes", minutes=MINUTES,
                              acting_user=reviewer)


def test_a_meeting_must_say_how_it_is_kept_and_a_letter_is_not_minuted(staff_client, reviewer):
    c = staff_client(reviewer)
    before = _census()
    resp = c.post("/staff/reports/new/", {"channel": "meeting", "text": "面谈"})
    assert resp.status_code == 400 and "For a meeting" in resp.content.decode()
    resp = c.post("/staff/reports/new/", {"channel": "letter", "text": "来信", "oral-kind": "minutes",
                                          "oral-minutes": MINUTES})
    assert resp.status_code == 400 and "A letter is not recorded" in resp.content.decode()
    resp = c.post("/staff/reports/new/", {"channel": "meeting", "text": "面谈", "oral-kind": "minutes",
                                          "oral-minutes": "   "})
    assert resp.status_code == 400 and "Write the minutes" in resp.content.decode()
    assert _census() == before


def _minuted(c, reviewer):
    resp = c.post("/staff/reports/new/", {"channel": "phone", "text": "电话举报", "oral-kind": "minutes",
                                          "oral-minutes": MINUTES})
    record = OralRecord.objects.get()
    from cluedesk.clues.models import Clue

    # the entered report's clue has no place here: put it in the Liuyang county, the reviewer's own
    Report.objects.filter(pk=record.report_id).update(clue=Clue.objects.get(division_id="430181"))
    return _code(resp), record


def _reporter(code):
    client = Client()
    assert client.post("/track/", {"code": code}).status_code == 303
    return client


def test_the_reporter_reads_corrects_and_confirms_the_minutes(staff_client, reviewer):
    staff = staff_client(reviewer)
    code, record = _minuted(staff, reviewer)
    reporter = _reporter(code)
    status = reporter.get("/track/status/").content.decode()
    assert "Read and check the minutes" in status
    page = reporter.get("/track/minutes/").content.decode()
    assert "老三" in page
    resp = reporter.post("/track/minutes/", {"action": "correct", "code": code, "text": MINUTES + "另：每月收四百元。"})
    assert resp.status_code == 303
    record.refresh_from_db()
    assert record.status == "corrected" and record.versions.count() == 2
    assert record.versions.get(number=2).author == "reporter"
    detail = staff.get(f"/staff/compliance/oral/{record.pk}/").content.decode()
    assert "每月收四百元" in detail and "Version 1" in detail and "Version 2" in detail
    resp = reporter.post("/track/minutes/", {"action": "confirm", "code": code.lower().replace("-", "")})
    assert resp.status_code == 303
    record.refresh_from_db()
    assert record.status == "confirmed" and record.confirmed_at is not None
    verbs = list(Event.objects.filter(verb__startswith="compliance.").values_list("verb", flat=True))
    assert verbs == ["compliance.minutes_corrected", "compliance.minutes_confirmed"]
    ev = Event.objects.get(verb="compliance.minutes_confirmed")
    assert ev.data["version"] == 2 and ev.actor_kind == "reporter"
    assert reporter.post("/track/minutes/", {"action": "confirm", "code": code}).status_code == 303
    assert Event.objects.filter(verb="compliance.minutes_confirmed").count() == 1  # once
    assert verify().ok


def test_a_wrong_code_confirms_nothing_in_either_language(staff_client, reviewer):
    code, record = _minuted(staff_client(reviewer), reviewer)
    reporter = _reporter(code)
    before = _census()
    resp = reporter.post("/track/minutes/", {"action": "confirm", "code": "ABCD-EFGH-JKMN-PQRS"})
    assert resp.status_code == 400 and "not the tracking code of this report" in resp.content.decode()
    reporter.cookies["django_language"] = "zh-hans"
    resp = reporter.post("/track/minutes/", {"action": "correct", "code": "", "text": "改"})
    assert resp.status_code == 400 and "查询码" in resp.content.decode()
    record.refresh_from_db()
    assert record.status == "awaiting" and _census() == before


def test_the_same_text_is_not_a_correction(staff_client, reviewer):
    code, record = _minuted(staff_client(reviewer), reviewer)
    resp = _reporter(code).post("/track/minutes/", {"action": "correct", "code": code, "text": MINUTES})
    assert resp.status_code == 400 and record.versions.count() == 1


def test_without_the_tracking_cookie_the_minutes_are_not_shown(staff_client, reviewer):
    _minuted(staff_client(reviewer), reviewer)
    resp = Client().get("/track/minutes/")
    assert resp.status_code == 303 and resp["Location"] == "/track/"


def test_the_oral_list_shows_the_units_records_only(staff_client, org_world, reviewer):
    _code_, record = _minuted(staff_client(reviewer), reviewer)
    body = staff_client(org_world.staff["verifier"]).get("/staff/compliance/oral/").content.decode()
    assert f"/staff/compliance/oral/{record.pk}/" in body
    other = staff_client(org_world.other_staff["verifier"])
    assert f"/staff/compliance/oral/{record.pk}/" not in other.get("/staff/compliance/oral/").content.decode()
    assert other.get(f"/staff/compliance/oral/{record.pk}/").status_code == 404
