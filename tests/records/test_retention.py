"""Retention across time (frozen clocks via ``now=``): not yet due, due, held, released, dry run,
idempotence, atomicity, the proof in the ledger, and the statistics left exactly as they were."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from cluedesk.clues import search
from cluedesk.clues.models import Note
from cluedesk.deployment import profiles
from cluedesk.intake.models import Attachment, Message, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from cluedesk.org.models import Division
from cluedesk.records import policy, services
from cluedesk.records.models import LegalHold, PendingFileDeletion, Purge, RetentionRun
from cluedesk.records.policy import RetentionError
from cluedesk.supervision import stats
from cluedesk.triage.models import BandKey, EntityKey, ReportIndex

from .helpers import T0, full_clue, keyed, keyed_manifest

pytestmark = pytest.mark.django_db

NO_ACTION_DAYS = profiles.PROFILES["national_anti_gang"].retention_days["no_action"]  # 1825


@pytest.fixture
def w(org_world):
    return org_world


def _files() -> list[Path]:
    root = Path(settings.FILES_DIR)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _snapshot_rows():
    return (Report.objects.count(), Attachment.objects.count(), Message.objects.exclude(body="").count(),
            Purge.objects.count(), RetentionRun.objects.count(), Event.objects.count(), LegalHold.objects.count())


def test_not_yet_due_then_due_purges_everything_personal(w):
    clue = full_clue(w)
    files_before = _files()
    assert len(files_before) == 2
    report = clue.reports.get()
    assert report.sealed_identity and ReportIndex.objects.filter(report_id=report.pk).exists()

    day_before = T0 + dt.timedelta(days=NO_ACTION_DAYS) - dt.timedelta(minutes=1)
    result = services.run_retention(now=day_before)
    assert result.purged == [] and not Purge.objects.exists()

    due_at = T0 + dt.timedelta(days=NO_ACTION_DAYS)
    result = services.run_retention(now=due_at)
    assert result.purged == [clue.public_id]
    report.refresh_from_db()
    assert (report.text, report.place_text, report.who_text, report.sealed_identity) == ("", "", "", None)
    assert not Attachment.objects.exists()
    assert not Message.objects.exclude(body="").exists() and Message.objects.count() == 2  # rows kept, bodies gone
    assert not Note.objects.exclude(text="").exists()
    entry = ReportIndex.objects.get(report_id=report.pk)
    assert bytes(entry.signature) == b"" and entry.entities == {}
    assert not BandKey.objects.filter(entry=entry).exists() and not EntityKey.objects.filter(entry=entry).exists()
    clue.refresh_from_db()
    assert (clue.title, clue.category, clue.division_id, clue.state) == (
        "", clue.category, w.county.division.code, "concluded")
    assert search.count(clue.pk) == 0  # the blind index of its words goes with them
    assert _files() == [] and not PendingFileDeletion.objects.exists()   # files gone after the commit
    assert verify().ok


def test_the_ledger_event_proves_what_went_without_content(w):
    clue = full_clue(w)
    report = clue.reports.get()
    sealed = bytes(report.sealed_identity)
    ciphertexts = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in _files())
    services.run_retention(now=T0 + dt.timedelta(days=NO_ACTION_DAYS + 1))
    event = Event.objects.get(verb="records.purged", subject_id=clue.public_id)
    data = event.data
    assert data["counts"]["identities"] == 1 and data["counts"]["attachments"] == 2
    assert data["counts"]["messages"] == 2 and data["counts"]["notes"] == 1
    assert data["digests"]["identities"] == keyed_manifest([keyed(sealed)])
    assert sorted(f["ciphertext_sha256"] for f in data["files"]) == ciphertexts
    assert data["digests"]["attachments"] == keyed_manifest(ciphertexts)
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("张三", "李四", "13800000000", "录音", "地址", "王五", "letter.pdf"):
        assert secret not in text
    purge = Purge.objects.get(clue=clue)
    assert purge.event_seq == event.seq and purge.proof == data
    run_event = Event.objects.get(verb="records.retention_run")
    assert run_event.data["purged"] == [clue.public_id]


def test_statistics_figures_are_unchanged_by_a_run(w):
    texts = ["张三在浏阳市某村开设赌场，放高利贷并暴力催收。", "某公司老板王某垄断河道采砂，殴打村民。",
             "镇上一名干部为传销组织通风报信，收受好处。"]
    clues = [full_clue(w, outcome=o, text=t) for o, t in zip(("no_action", "admin_penalty", "criminal_case"), texts)]
    assert len({c.pk for c in clues}) == 3
    later = max(c.created_at for c in clues) + dt.timedelta(minutes=10)
    stats.rebuild(later)
    nation = Division.objects.get(code="000000")
    month = stats.month_of(clues[0].created_at)
    before_one = stats.one(nation, month, month).counts
    before_table = [(r.division.code, r.counts, r.median_days) for r in stats.table(None, nation, month, month)]
    result = services.run_retention(now=T0 + dt.timedelta(days=3651))
    assert len(result.purged) == 2   # the criminal case is kept (None) in the national profile
    stats.rebuild(later)
    assert stats.one(nation, month, month).counts == before_one
    assert [(r.division.code, r.counts, r.median_days) for r in stats.table(None, nation, month, month)] == before_table
    assert stats.stored_cells() == stats.full_cells(later).normalized()


def test_dry_run_writes_nothing_and_lists_counts(w):
    clue = full_clue(w)
    before, files = _snapshot_rows(), _files()
    result = services.run_retention(now=T0 + dt.timedelta(days=NO_ACTION_DAYS + 1), dry_run=True)
    assert [c.public_id for c in result.due] == [clue.public_id]
    assert result.counts["identities"] == 1 and result.counts["attachments"] == 2 and result.counts["messages"] == 2
    assert _snapshot_rows() == before and _files() == files
    out = io.StringIO()
    call_command("retention", "run", "--dry-run", "--json", "--now", "2031-02-01", stdout=out)
    data = json.loads(out.getvalue())
    assert data["dry_run"] and data["due"][0]["clue"] == clue.public_id and data["counts"]["reports"] == 1
    assert _snapshot_rows() == before


def test_second_run_is_a_no_op(w):
    clue = full_clue(w)
    now = T0 + dt.timedelta(days=NO_ACTION_DAYS + 1)
    assert services.run_retention(now=now).purged == [clue.public_id]
    events = Event.objects.filter(verb="records.purged").count()
    again = services.run_retention(now=now)
    assert again.purged == [] and again.due == []
    assert Event.objects.filter(verb="records.purged").count() == events
    c = policy.Candidate(clue.pk, clue.public_id, None, "concluded", "no_action", T0, NO_ACTION_DAYS, T0)
    assert services.purge_clue(c, now=now, actor=services.Actor.system()) is None
    assert verify().ok


def test_a_held_clue_is_kept_then_purged_after_release(w):
    clue = full_clue(w)
    custodian = w.staff["custodian"]
    hold = services.place_hold(clue, reason="Court order 2031-17", user=custodian)
    now = T0 + dt.timedelta(days=NO_ACTION_DAYS + 30)
    result = services.run_retention(now=now)
    assert result.purged == [] and [c.public_id for c in result.held] == [clue.public_id]
    assert clue.reports.get().text != ""
    with pytest.raises(RetentionError) as exc:
        services.run_retention(now=now, only=clue.public_id)
    assert exc.value.code == "held" and "Court order 2031-17" in str(exc.value.message)
    with pytest.raises(CommandError, match="legal hold"):
        call_command("retention", "run", "--clue", clue.public_id, "--now", now.isoformat(), stdout=io.StringIO())
    services.release_hold(hold.pk, reason="Case closed", user=custodian)
    assert services.run_retention(now=now).purged == [clue.public_id]
    assert [e.verb for e in Event.objects.filter(verb__startswith="records.hold")] == [
        "records.hold_placed", "records.hold_released"]
    assert verify().ok


def test_hold_refusals_write_nothing(w):
    clue = full_clue(w)
    user = w.staff["admin"]
    before = _snapshot_rows()
    with pytest.raises(RetentionError) as exc:
        services.release_hold(999999, reason="x", user=user)
    assert exc.value.code == "no_hold" and "999999" in str(exc.value.message)
    with pytest.raises(RetentionError):
        services.release_hold("not-a-number", reason="x", user=user)
    with pytest.raises(RetentionError) as exc:
        services.place_hold(clue, reason="   ", user=user)
    assert exc.value.code == "required"
    assert _snapshot_rows() == before
    hold = services.place_hold(clue, reason="Inquiry", user=user)
    with pytest.raises(RetentionError) as exc:
        services.place_hold(clue, reason="again", user=user)
    assert exc.value.code == "already_held"
    services.release_hold(hold.pk, reason="done", user=user)
    with pytest.raises(RetentionError) as exc:
        services.release_hold(hold.pk, reason="twice", user=user)
    assert exc.value.code == "released"


def test_a_purge_that_fails_midway_leaves_the_clue_untouched(w, monkeypatch):
    clue = full_clue(w)
    files = _files()
    from cluedesk.records import services as svc

    real = svc.record

    def boom(verb, **kwargs):
        if verb == "records.purged":
            raise RuntimeError("disk gone")
        return real(verb, **kwargs)

    monkeypatch.setattr(svc, "record", boom)   # fails after every row was changed, before the commit
    result = services.run_retention(now=T0 + dt.timedelta(days=NO_ACTION_DAYS + 1))
    assert result.purged == [] and result.failed and "disk gone" in result.failed[0][1]
    report = clue.reports.get()
    assert report.text and report.sealed_identity and Attachment.objects.count() == 2
    assert _files() == files and not Purge.objects.exists() and not PendingFileDeletion.objects.exists()


def test_files_left_by_a_crash_after_commit_are_swept(w, monkeypatch):
    clue = full_clue(w)
    from cluedesk.records import services as svc

    monkeypatch.setattr(svc, "remove_files", lambda paths: 0)   # the process dies right after the commit
    svc.purge_clue(policy.due(policy.periods_in_force()[1], T0 + dt.timedelta(days=NO_ACTION_DAYS + 1))[0],
                   now=T0 + dt.timedelta(days=NO_ACTION_DAYS + 1), actor=svc.Actor.system())
    assert len(_files()) == 2 and PendingFileDeletion.objects.count() == 2
    monkeypatch.undo()
    assert services.sweep_files()["pending"] == 2
    assert _files() == [] and not PendingFileDeletion.objects.exists()
    assert Purge.objects.filter(clue=clue).exists()


def test_orphan_files_are_swept_only_when_old(w, tmp_path):
    import os
    import time

    root = Path(settings.FILES_DIR) / "ab"
    root.mkdir(parents=True, exist_ok=True)
    young, old = root / "abyoung", root / "abold"
    young.write_bytes(b"x")
    old.write_bytes(b"x")
    past = time.time() - 3 * 86400
    os.utime(old, (past, past))
    assert services.sweep_files()["orphans"] == 1
    assert young.exists() and not old.exists()


@pytest.mark.parametrize("value, code", [(-1, "negative"), (30, "below_minimum"), ("ten", "not_a_number"),
                                         (10**6, "too_long")])
def test_impossible_retention_settings_refuse_the_run(w, monkeypatch, value, code):
    full_clue(w)
    bad = profiles.Profile(**{**profiles.PROFILES["custom"].__dict__, "retention_days": {"default": value}})
    monkeypatch.setattr(profiles, "current", lambda: bad)
    before = _snapshot_rows()
    with pytest.raises(RetentionError) as exc:
        services.run_retention(now=T0 + dt.timedelta(days=9999))
    assert exc.value.code == code
    assert _snapshot_rows() == before
    with pytest.raises(CommandError):
        call_command("retention", "run", "--now", "2050-01-01", stdout=io.StringIO())


def test_policy_messages_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(RetentionError) as exc:
            policy.validate_periods({"no_action": -5})
    assert "不能为负" in str(exc.value.message)


def test_invalid_and_transferred_clues_follow_the_default_and_transferred_periods(w):
    from tests.supervision.helpers import new_clue

    invalid = new_clue(w.county.division)
    from tests.supervision.helpers import move

    move(invalid, "invalid")
    Event.objects.filter(subject_id=invalid.public_id).update(verb="clue.screen_invalid")  # as the verb writes it
    found = {c.public_id: c for c in policy.candidates(policy.periods_in_force()[1])}
    assert found[invalid.public_id].outcome == "default"
    assert found[invalid.public_id].days == profiles.PROFILES["national_anti_gang"].retention_days["default"]


def test_the_worker_job_and_the_command(w):
    from cluedesk.records.services import job_retention

    clue = full_clue(w)
    assert job_retention(T0)["purged"] == 0 and not RetentionRun.objects.exists()  # nothing due: nothing written
    out = io.StringIO()
    call_command("retention", "run", "--now", (T0 + dt.timedelta(days=NO_ACTION_DAYS + 1)).isoformat(), stdout=out)
    assert clue.public_id in out.getvalue() and "purged" in out.getvalue()
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out)
    assert json.loads(out.getvalue())["ok"] is True
    with pytest.raises(CommandError, match="ISO"):
        call_command("retention", "run", "--now", "next tuesday", stdout=io.StringIO())
