"""The submission service: one transaction, sealed identity, nothing left behind on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from cluedesk.intake import services
from cluedesk.intake.attachments import open_decrypted
from cluedesk.intake.models import Attachment, PublicStep, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, verify
from cluedesk.org.models import Division
from cluedesk.vault import sealing
from tests.queue import run_queue

from .conftest import PDF, PNG, stored_files, upload

pytestmark = pytest.mark.django_db


def submit(**kwargs):
    defaults = {"text": "有人在菜市场收保护费。", "channel": "web", "actor": Actor.reporter()}
    return services.submit_report(**{**defaults, **kwargs})


def test_it_keeps_a_report_awaiting_triage_with_one_event_and_its_queued_triage() -> None:
    from django_tasks_db.models import DBTaskResult

    report, code = submit(place_text="长沙", when_text="上周", who_text="老三", category="violence")
    report.refresh_from_db()
    assert report.clue is None  # accepted first: grouping follows in a worker
    assert [s.kind for s in services.status_of(report).steps] == ["received"]
    assert not PublicStep.objects.exists()  # "received" is the report itself, not a row
    events = list(Event.objects.filter(verb="report.submitted"))
    assert len(events) == 1 and events[0].subject_id == str(report.pk) and events[0].actor_kind == "reporter"
    assert "clue" not in events[0].data
    queued = list(DBTaskResult.objects.values_list("task_path", "args_kwargs", "status"))
    assert queued == [("cluedesk.triage.tasks.attach_report", {"args": [report.pk], "kwargs": {}}, "READY")]
    assert verify().ok


def test_the_queued_triage_puts_the_report_on_a_clue_with_its_own_event() -> None:
    report, _ = submit(place_text="长沙", when_text="上周", who_text="老三", category="violence")
    run_queue()
    report.refresh_from_db()
    assert report.clue is not None and report.clue.report_count == 1
    triaged = Event.objects.get(verb="report.triaged")
    assert triaged.subject_id == str(report.pk) and triaged.actor_kind == "system"
    assert triaged.data["clue"] == report.clue.public_id and triaged.data["decision"] == "opened"
    assert list(Event.objects.order_by("seq").values_list("verb", flat=True)) == ["report.submitted",
                                                                                  "report.triaged"]
    assert verify().ok


def test_name_and_contact_are_sealed_and_only_the_custodian_key_opens_them(custodian_passphrase) -> None:
    report, _ = submit(name="Zhang Wei", contact="13800138000")
    report.refresh_from_db()
    blob = bytes(report.sealed_identity)
    assert b"Zhang" not in blob and b"13800138000" not in blob
    private = sealing.decrypt_private_key((sealing.keys_dir() / sealing.PRIVATE_KEY_FILE).read_bytes(),
                                          custodian_passphrase)
    assert sealing.unseal(blob, private) == {"name": "Zhang Wei", "contact": "13800138000"}


def test_an_anonymous_report_has_no_sealed_identity() -> None:
    report, _ = submit()
    report.refresh_from_db()
    assert report.sealed_identity is None


def test_the_ledger_event_carries_no_identity_and_no_text() -> None:
    submit(text="秘密内容XYZ", name="Zhang Wei", contact="13800138000")
    data = str(Event.objects.get(verb="report.submitted").data)
    assert "Zhang" not in data and "13800138000" not in data and "秘密内容XYZ" not in data


def test_place_text_is_resolved_to_a_division() -> None:
    Division.objects.create(code="430000", name="湖南省", level=1, path="430000")
    Division.objects.create(code="430100", name="长沙市", level=2, parent_id="430000", path="430000/430100")
    Division.objects.create(code="430104", name="岳麓区", level=3, parent_id="430100", path="430000/430100/430104")
    report, _ = submit(place_text="湖南省长沙市岳麓区")
    assert report.division_id == "430104"


def test_an_unknown_place_leaves_the_division_empty() -> None:
    report, _ = submit(place_text="Atlantis")
    assert report.division_id is None


def test_files_are_stored_encrypted_and_decrypt_to_the_original() -> None:
    report, _ = submit(files=[upload("photo.png", PNG), upload("letter.pdf", PDF)])
    atts = list(Attachment.objects.filter(report=report).order_by("mime"))
    assert [a.mime for a in atts] == ["application/pdf", "image/png"]
    for att, original in zip(atts, [PDF, PNG], strict=True):
        raw = (Path(settings.FILES_DIR) / att.public_id[:2] / att.public_id).read_bytes()
        assert original not in raw and att.size == len(original)
        assert b"".join(open_decrypted(att.public_id)) == original
        assert att.sealed_name and b"photo" not in bytes(att.sealed_name) and b"letter" not in bytes(att.sealed_name)


def test_a_failure_inside_the_transaction_leaves_no_rows_no_task_and_no_files(census) -> None:
    from django_tasks_db.models import DBTaskResult

    from cluedesk.intake.signals import report_submitted

    before = census()

    def broken(sender, report, **kwargs):
        raise RuntimeError("queue is down")

    report_submitted.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            submit(files=[upload("photo.png", PNG)], name="Zhang Wei")
    finally:
        report_submitted.disconnect(dispatch_uid="test-broken")
    assert census() == before and stored_files() == [] and not DBTaskResult.objects.exists()


def test_a_failing_ledger_write_rolls_back_everything(monkeypatch, census) -> None:
    before = census()

    def broken(*args, **kwargs):
        raise RuntimeError("ledger full")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        submit(files=[upload("letter.pdf", PDF)])
    assert census() == before


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", "\x00\x01"])
def test_empty_or_whitespace_text_is_refused(text: str, census) -> None:
    before = census()
    with pytest.raises(services.InvalidReport) as exc:
        submit(text=text)
    assert "text" in exc.value.errors and census() == before


def test_text_over_the_limit_is_refused(settings, census) -> None:
    settings.CLUEDESK_MAX_TEXT_CHARS = 100
    before = census()
    with pytest.raises(services.InvalidReport) as exc:
        submit(text="x" * 101)
    assert "100" in str(exc.value.errors["text"][0]) and census() == before
    submit(text="x" * 100)


def test_an_unknown_category_is_refused() -> None:
    with pytest.raises(services.InvalidReport) as exc:
        submit(category="nonsense")
    assert "category" in exc.value.errors


def test_reporter_and_staff_messages_and_public_steps(alice) -> None:
    report, code = submit()
    run_queue()
    report.refresh_from_db()
    services.add_reporter_message(code, "补充：车牌号湘A12345", [upload("more.png", PNG)])
    services.post_staff_message(report, "请问事发具体地点？", acting_user=alice)
    services.record_public_step(kind="under_review", report=report, acting_user=alice)
    services.record_public_step(kind="concluded", clue=report.clue, outcome="线索已查实，已立案侦查。",
                                acting_user=alice)
    status = services.status_of(report)
    assert [s.kind for s in status.steps] == ["received", "under_review", "concluded"]
    assert [m.direction for m in status.messages] == ["in", "out"]
    assert status.messages[0].attachments.count() == 1
    verbs = list(Event.objects.values_list("verb", flat=True))
    assert verbs == ["report.submitted", "report.triaged", "report.message_added", "report.message_posted",
                     "public_step.recorded", "public_step.recorded"]
    assert verify().ok


def test_a_reporter_message_needs_a_right_code_and_some_content(census) -> None:
    report, code = submit()
    before = census()
    with pytest.raises(services.UnknownCode):
        services.add_reporter_message("AAAA-AAAA-AAAA-AAAA", "hi")
    with pytest.raises(services.InvalidReport):
        services.add_reporter_message(code, "   ")
    assert census() == before


def test_idempotent_submission_is_recorded_in_the_same_transaction(monkeypatch, census) -> None:
    claim = services.IdempotencyClaim(channel="api:x", key="k1", body_hash="h")
    monkeypatch.setattr(services, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    before = census()
    with pytest.raises(RuntimeError):
        submit(idempotency=claim)
    assert census() == before and services.replay(claim) is None


def test_a_raced_idempotency_key_raises_and_keeps_nothing_new(census) -> None:
    claim = services.IdempotencyClaim(channel="api:x", key="k1", body_hash="h")
    report, code = submit(idempotency=claim)
    before = census()
    with pytest.raises(services.IdempotencyRace):
        submit(idempotency=claim, files=[upload("a.png", PNG)])
    assert census() == before
    assert services.replay(claim) == (report, code)


def test_seed_reports_makes_demo_reports_through_the_service() -> None:
    import random

    from cluedesk.demo.intake import seed_reports

    made = seed_reports(5, rng=random.Random(1))
    assert len(made) == 5 and Report.objects.count() == 5
    assert Event.objects.filter(verb="report.submitted").count() == 5


def test_a_place_the_database_no_longer_has_does_not_lose_the_report(monkeypatch) -> None:
    from cluedesk.intake import places, services
    from cluedesk.intake.models import Report
    from cluedesk.ledger.services import Actor

    monkeypatch.setattr(places, "resolve_code", lambda text: "430181")  # a county that is not loaded
    report, code = services.submit_report(text="有人在镇上开设赌场，长期聚众赌博。", place_text="浏阳市",
                                          channel="web", actor=Actor.reporter())
    assert Report.objects.get(pk=report.pk).division_id is None and code
