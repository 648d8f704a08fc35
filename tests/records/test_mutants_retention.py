"""Tests written for mutants scripts/mutmut_core.py found alive in module "retention"
(cluedesk/records/policy.py and cluedesk/records/services.py, issue 22).

Each expectation is written by hand from the retention rules (docs/records.md "Retention",
docs/operations.md "Retention" and the profile table there, the module and function docstrings)
— never computed from the code under test. Times are frozen through ``now=``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from cluedesk.clues import search
from cluedesk.clues.models import Clue, Conclusion, Evidence, Note, join_outcomes
from cluedesk.deployment import profiles
from cluedesk.intake.models import Attachment, Message, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, record
from cluedesk.records import policy, services
from cluedesk.records.models import LegalHold, PendingFileDeletion, Purge, RetentionRun
from cluedesk.records.policy import RetentionError
from cluedesk.triage.models import BandKey, ClueTriage, EntityKey, ReportIndex
from tests.supervision.helpers import move, new_clue

from .helpers import PDF, T0, full_clue, keyed, keyed_manifest

# docs/operations.md, the profile table: national_anti_gang keeps criminal cases and discipline
# referrals, 3650 days for administrative penalties and transfers, 1825 for no action and the rest.
NATIONAL = {"criminal_case": None, "discipline": None, "admin_penalty": 3650, "transferred": 3650,
            "no_action": 1825, "default": 1825}
LATER = T0 + dt.timedelta(days=1825 + 30)  # a no-action clue concluded at T0 is due by then


def _refusal(table: dict, language: str = "en") -> RetentionError:
    with translation.override(language):
        with pytest.raises(RetentionError) as refused:
            policy.validate_periods(table)
    return refused.value


# validate_periods -------------------------------------------------------------------------------

def test_periods_within_the_limits_or_empty_are_accepted_as_whole_days_or_keep() -> None:
    """180 days is the minimum itself and 36,500 the maximum itself: both allowed; None and an
    empty value keep; a whole number typed as text (with spaces around it) is that number."""
    table = {"no_action": 180, "default": 36500, "criminal_case": None, "discipline": "",
             "admin_penalty": "365", "transferred": " 730 "}
    assert policy.validate_periods(table) == {"no_action": 180, "default": 36500, "criminal_case": None,
                                              "discipline": None, "admin_penalty": 365, "transferred": 730}
    assert policy.validate_periods({}) == {}
    assert policy.validate_periods(dict(NATIONAL)) == NATIONAL


@pytest.mark.parametrize("table, code, english, chinese", [
    ({"bogus": 365}, "outcome", "Unknown outcome “bogus” in the retention periods.",
     "保存期限中有未知的处理结果“bogus”。"),
    ({"no_action": 1.5}, "not_a_number", "The retention period for “no action” must be a whole number of days.",
     "“不予处理”的保存期限必须是整数天。"),
    ({"no_action": 365.0}, "not_a_number", "The retention period for “no action” must be a whole number of days.",
     "“不予处理”的保存期限必须是整数天。"),
    ({"no_action": True}, "not_a_number", "The retention period for “no action” must be a whole number of days.",
     "“不予处理”的保存期限必须是整数天。"),
    ({"no_action": "ten"}, "not_a_number", "The retention period for “no action” must be a whole number of days.",
     "“不予处理”的保存期限必须是整数天。"),
    ({"no_action": -1}, "negative", "The retention period for “no action” cannot be negative (-1 days).",
     "“不予处理”的保存期限不能为负数（-1 天）。"),
    ({"no_action": 0}, "below_minimum",
     "The retention period for “no action” is 0 days, shorter than the minimum of 180 days after closing.",
     "“不予处理”的保存期限为 0 天，短于办结后最少保存的 180 天。"),
    ({"no_action": 179}, "below_minimum",
     "The retention period for “no action” is 179 days, shorter than the minimum of 180 days after closing.",
     "“不予处理”的保存期限为 179 天，短于办结后最少保存的 180 天。"),
    ({"default": 90}, "below_minimum",
     "The retention period for “any other closed clue (invalid, no final outcome)” is 90 days, shorter than the "
     "minimum of 180 days after closing.",
     "“其他已结线索（无效、无最终结论）”的保存期限为 90 天，短于办结后最少保存的 180 天。"),
    ({"no_action": 36501}, "too_long",
     "The retention period for “no action” is longer than 36500 days; leave it empty to keep without limit.",
     "“不予处理”的保存期限超过 36500 天；如需长期保存，请留空。"),
])
def test_impossible_periods_are_refused_with_a_message_in_the_readers_language(table, code, english,
                                                                               chinese) -> None:
    refused = _refusal(table)
    assert refused.code == code and str(refused.message) == english and str(refused) == english
    assert isinstance(refused, ValueError)
    assert str(_refusal(table, "zh-hans").message) == chinese


def test_the_first_impossible_period_is_the_one_named() -> None:
    refused = _refusal({"no_action": 365, "transferred": 100, "default": -5})
    assert refused.code == "below_minimum" and "“transferred”" in str(refused.message)


def test_an_admins_override_below_the_minimum_is_refused_by_the_retention_rule() -> None:
    """check_profile is the registry's profile validator: an override of 90 days is refused on its
    field with the retention job's message."""
    with pytest.raises(profiles.ProfileError) as refused:
        profiles.parse_overrides({"retention_days.no_action": "90"})
    messages = [str(m) for m in refused.value.errors["retention_days.no_action"]]
    assert any("shorter than the minimum of 180 days" in m for m in messages), messages
    profiles.parse_overrides({"retention_days.no_action": "180"})  # the minimum itself passes


def test_outcome_labels_in_both_languages() -> None:
    assert policy.outcome_label("default") == "any other closed clue (invalid, no final outcome)"
    assert policy.outcome_label("no_action") == "no action"
    assert policy.outcome_label("something_else") == "something_else"
    with translation.override("zh-hans"):
        assert policy.outcome_label("default") == "其他已结线索（无效、无最终结论）"
        assert policy.outcome_label("no_action") == "不予处理"


# holds: messages, reasons, events ---------------------------------------------------------------

def _run_refused(language: str, **kwargs) -> RetentionError:
    with translation.override(language):
        with pytest.raises(RetentionError) as refused:
            services.run_retention(**kwargs)
    return refused.value


def test_a_held_clue_asked_for_alone_is_refused_naming_the_reason_and_the_local_date(org_world) -> None:
    """docs/records.md: "refused with the hold's reason and date" — the date in the service's time
    zone (Asia/Shanghai): placed at 20:00 UTC on 4 March 2031 is 5 March there."""
    clue = full_clue(org_world)
    placed = dt.datetime(2031, 3, 4, 20, 0, tzinfo=dt.UTC)
    services.place_hold(clue, reason="Court order 2031-17", user=org_world.staff["custodian"], now=placed)
    refused = _run_refused("en", now=LATER, only=clue.public_id)
    assert refused.code == "held"
    assert str(refused.message) == (f"Clue {clue.public_id} is under a legal hold (Court order 2031-17, placed "
                                    f"2031-03-05); it cannot be purged until the hold is released.")
    refused = _run_refused("zh-hans", now=LATER, only=clue.public_id)
    assert str(refused.message) == (f"线索 {clue.public_id} 处于依法保全状态（Court order 2031-17，2031-03-05 设定），"
                                    f"解除保全前不能删除。")


def test_a_clue_asked_for_alone_is_purged_though_another_clue_is_held_and_its_own_hold_was_released(
        org_world) -> None:
    """x_run_retention__mutmut_33 (any clue's hold refused the clue asked for), 34 (a released hold
    still refused it). docs/records.md: a clue is held while a hold on it is not released."""
    w = org_world
    asked = full_clue(w, text=GAMBLING)
    other = full_clue(w, text=SAND)
    services.place_hold(other, reason="Inquiry 2", user=w.staff["custodian"])
    services.place_hold(asked, reason="Inquiry 1", user=w.staff["custodian"])
    [hold] = LegalHold.objects.filter(clue=asked)
    services.release_hold(hold.pk, reason="Inquiry closed", user=w.staff["custodian"])
    result = services.run_retention(now=LATER, only=asked.public_id)
    assert result.purged == [asked.public_id]
    assert Purge.objects.filter(clue=asked).exists() and not Purge.objects.filter(clue=other).exists()


def test_a_hold_reason_is_kept_on_one_line_and_checked_for_length(org_world) -> None:
    clue = full_clue(org_world)
    custodian = org_world.staff["custodian"]
    hold = services.place_hold(clue, reason="  Court \n order\t 7  ", user=custodian)
    assert hold.reason == "Court order 7"
    released = services.release_hold(hold.pk, reason="x" * 300, user=custodian)
    assert released.release_reason == "x" * 300
    with pytest.raises(RetentionError) as refused:
        services.place_hold(clue, reason="y" * 301, user=custodian)
    assert refused.value.code == "too_long"
    assert str(refused.value.message) == "The reason for the hold is at most 300 characters."
    with translation.override("zh-hans"):
        with pytest.raises(RetentionError) as refused:
            services.place_hold(clue, reason="y" * 301, user=custodian)
    assert str(refused.value.message) == "保全理由最多 300 个字符。"
    assert services.place_hold(clue, reason="y" * 300, user=custodian).reason == "y" * 300


@pytest.mark.parametrize("reason", [None, "", " \n\t "], ids=["none", "empty", "blank"])
def test_a_hold_or_release_without_a_reason_is_refused_in_the_readers_language(org_world, reason) -> None:
    clue = full_clue(org_world)
    custodian = org_world.staff["custodian"]
    with pytest.raises(RetentionError) as refused:
        services.place_hold(clue, reason=reason, user=custodian)
    assert refused.value.code == "required" and str(refused.value.message) == "The reason for the hold is required."
    with translation.override("zh-hans"):
        with pytest.raises(RetentionError) as refused:
            services.place_hold(clue, reason=reason, user=custodian)
    assert str(refused.value.message) == "保全理由为必填项。"
    hold = services.place_hold(clue, reason="Inquiry", user=custodian)
    with pytest.raises(RetentionError) as refused:
        services.release_hold(hold.pk, reason=reason, user=custodian)
    assert refused.value.code == "required"
    assert str(refused.value.message) == "The reason for the release is required."
    with translation.override("zh-hans"):
        with pytest.raises(RetentionError) as refused:
            services.release_hold(hold.pk, reason=reason, user=custodian)
    assert str(refused.value.message) == "解除理由为必填项。"
    with pytest.raises(RetentionError) as refused:
        services.release_hold(hold.pk, reason="z" * 301, user=custodian)
    assert str(refused.value.message) == "The reason for the release is at most 300 characters."
    assert LegalHold.objects.get(pk=hold.pk).released_at is None


def test_placing_and_releasing_a_hold_write_who_when_why_and_their_events(org_world) -> None:
    clue = full_clue(org_world)
    custodian, admin = org_world.staff["custodian"], org_world.staff["admin"]
    placed = dt.datetime(2031, 3, 4, 9, 0, tzinfo=dt.UTC)
    released = dt.datetime(2031, 6, 1, 9, 0, tzinfo=dt.UTC)
    hold = services.place_hold(clue, reason="Court order", user=custodian, now=placed)
    row = LegalHold.objects.get(pk=hold.pk)
    assert (row.clue_id, row.reason, row.placed_by, row.placed_at, row.released_at) == (
        clue.pk, "Court order", custodian, placed, None)
    event = Event.objects.get(verb="records.hold_placed")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id) == (
        "staff", str(custodian.pk), "clue", clue.public_id)
    assert event.data == {"hold": hold.pk, "reason": "Court order"}

    services.release_hold(str(hold.pk), reason="Judgment final", user=admin, now=released)
    row.refresh_from_db()
    assert (row.released_at, row.released_by, row.release_reason) == (released, admin, "Judgment final")
    event = Event.objects.get(verb="records.hold_released")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id) == (
        "staff", str(admin.pk), "clue", clue.public_id)
    assert event.data == {"hold": hold.pk, "reason": "Judgment final"}


def test_a_second_hold_and_a_hold_on_a_purged_clue_are_refused_in_the_readers_language(org_world) -> None:
    clue = full_clue(org_world)
    custodian = org_world.staff["custodian"]
    hold = services.place_hold(clue, reason="Inquiry 5", user=custodian)
    with pytest.raises(RetentionError) as refused:
        services.place_hold(clue, reason="again", user=custodian)
    assert refused.value.code == "already_held"
    assert str(refused.value.message) == f"Clue {clue.public_id} is already under a legal hold (Inquiry 5)."
    with translation.override("zh-hans"):
        with pytest.raises(RetentionError) as refused:
            services.place_hold(clue, reason="again", user=custodian)
    assert str(refused.value.message) == f"线索 {clue.public_id} 已处于依法保全状态（Inquiry 5）。"
    assert LegalHold.objects.filter(clue=clue).count() == 1

    services.release_hold(hold.pk, reason="done", user=custodian)
    assert services.run_retention(now=LATER).purged == [clue.public_id]
    events = Event.objects.count()
    with pytest.raises(RetentionError) as refused:
        services.place_hold(clue, reason="too late", user=custodian)
    assert refused.value.code == "purged"
    assert str(refused.value.message) == f"Clue {clue.public_id} was already purged; there is nothing left to hold."
    with translation.override("zh-hans"):
        with pytest.raises(RetentionError) as refused:
            services.place_hold(clue, reason="too late", user=custodian)
    assert str(refused.value.message) == f"线索 {clue.public_id} 的个人信息已删除，无可保全。"
    assert Event.objects.count() == events and LegalHold.objects.filter(clue=clue).count() == 1


def test_releasing_a_hold_that_is_not_there_or_not_yours_or_already_released(org_world) -> None:
    clue = full_clue(org_world)
    custodian = org_world.staff["custodian"]
    hold = services.place_hold(clue, reason="Inquiry", user=custodian)
    for language, text in (("en", "There is no legal hold number 999999."),
                           ("zh-hans", "不存在编号为 999999 的依法保全。")):
        with translation.override(language):
            with pytest.raises(RetentionError) as refused:
                services.release_hold(999999, reason="x", user=custodian)
        assert refused.value.code == "no_hold" and str(refused.value.message) == text
    with pytest.raises(RetentionError) as refused:  # a hold outside the holds this person may act on
        services.release_hold(hold.pk, reason="x", user=custodian, holds=LegalHold.objects.exclude(pk=hold.pk))
    assert refused.value.code == "no_hold" and str(refused.value.message) == f"There is no legal hold number {hold.pk}."
    assert LegalHold.objects.get(pk=hold.pk).released_at is None
    services.release_hold(hold.pk, reason="x", user=custodian, holds=LegalHold.objects.filter(pk=hold.pk))
    for language, text in (("en", f"Legal hold {hold.pk} on clue {clue.public_id} was already released."),
                           ("zh-hans", f"线索 {clue.public_id} 的依法保全 {hold.pk} 已经解除。")):
        with translation.override(language):
            with pytest.raises(RetentionError) as refused:
                services.release_hold(hold.pk, reason="again", user=custodian)
        assert refused.value.code == "released" and str(refused.value.message) == text
    assert Event.objects.filter(verb="records.hold_released").count() == 1


# a run: its row, its event, its result, the proof of each purge ---------------------------------

GAMBLING = "张三在浏阳市某村开设赌场，放高利贷并暴力催收。"
SAND = "某公司老板王某垄断河道采砂，殴打村民。"
PYRAMID = "镇上一名干部为传销组织通风报信，收受好处。"
NO_ACTION_DUE = T0 + dt.timedelta(days=1825)
# what a full clue (tests/records/helpers.full_clue) holds, per kind, as the dry run counts it
FULL_CLUE_COUNTS = {"reports": 1, "identities": 1, "report_texts": 1, "messages": 2, "attachments": 2,
                    "evidence": 0, "notes": 1, "index_entries": 1}


def test_a_run_writes_who_ran_it_when_and_what_came_of_it_in_its_row_its_event_and_its_json(org_world) -> None:
    w = org_world
    due = full_clue(w, text=GAMBLING)
    held = full_clue(w, text=SAND)
    young = full_clue(w, text=PYRAMID, concluded_at=T0 + dt.timedelta(days=1000))
    assert len({due.pk, held.pk, young.pk}) == 3
    hold = services.place_hold(held, reason="Court order", user=w.staff["custodian"])
    admin = w.staff["admin"]
    before = timezone.now()
    result = services.run_retention(now=LATER, user=admin, trigger="staff")
    after = timezone.now()
    assert result.purged == [due.public_id] and result.failed == []
    assert [c.public_id for c in result.due] == [due.public_id]
    assert [c.public_id for c in result.held] == [held.public_id]
    assert result.counts == FULL_CLUE_COUNTS  # what was due and not held, counted before it went

    run = RetentionRun.objects.get()
    assert result.run_id == run.pk
    assert (run.as_of, run.trigger, run.started_by, run.profile) == (LATER, "staff", admin, "national_anti_gang")
    assert (run.purged, run.held, run.failed, run.files_deleted, run.error) == (1, 1, 0, 2, "")
    assert before <= run.started_at <= run.finished_at <= after
    event = Event.objects.get(verb="records.retention_run")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id) == (
        "staff", str(admin.pk), "retention_run", str(run.pk))
    assert event.data == {"as_of": LATER.isoformat(), "profile": "national_anti_gang", "trigger": "staff",
                          "purged": [due.public_id], "held": [held.public_id], "failed": [],
                          "files": result.files}
    # the run is inside the test's transaction, so the purge's after-commit unlink waits and the run's
    # closing sweep removes the clue's two files
    assert result.files == {"pending_removed": 2, "orphans_removed": 0}

    assert result.as_json() == {
        "as_of": LATER.isoformat(), "profile": "national_anti_gang", "dry_run": False, "run": run.pk,
        "due": [{"clue": due.public_id, "outcome": "no_action", "closed_at": T0.isoformat(), "retention_days": 1825,
                 "due_at": NO_ACTION_DUE.isoformat()}],
        "held": [{"clue": held.public_id, "hold": hold.pk, "reason": "Court order"}],
        "purged": [due.public_id], "failed": [], "counts": FULL_CLUE_COUNTS, "files": result.files}
    assert held.reports.get().text == SAND and young.reports.get().text == PYRAMID


def test_the_proof_says_which_clue_profile_outcome_period_and_moments_and_counts_every_kind(org_world) -> None:
    w = org_world
    clue = full_clue(w, text=GAMBLING)
    ClueTriage.objects.update_or_create(clue=clue, defaults={"implicated": [{"who": "李某", "unit_type": "police",
                                                                            "unit": "某派出所"}]})
    report = clue.reports.get()
    entry = ReportIndex.objects.get(report_id=report.pk)
    assert bytes(entry.signature) and entry.entities
    # an index entry's proof: its MinHash signature's bytes, then its entities as sorted (key, value) pairs
    entry_digest = keyed(bytes(entry.signature) + repr(sorted(entry.entities.items())).encode())
    bands = BandKey.objects.filter(entry=entry).count()
    entities = EntityKey.objects.filter(entry=entry).count()
    grams = search.count(clue.pk)
    assert bands and grams
    before = timezone.now()
    result = services.run_retention(now=LATER)
    after = timezone.now()
    run = RetentionRun.objects.get(pk=result.run_id)
    event = Event.objects.get(verb="records.purged")
    assert (event.actor_kind, event.actor_id, event.subject_type, event.subject_id) == (
        "system", "retention", "clue", clue.public_id)
    proof = event.data
    assert {k: proof[k] for k in ("clue", "profile", "outcome", "retention_days", "closed_at", "due_at", "as_of",
                                  "run")} == {
        "clue": clue.public_id, "profile": "national_anti_gang", "outcome": "no_action", "retention_days": 1825,
        "closed_at": T0.isoformat(), "due_at": NO_ACTION_DUE.isoformat(), "as_of": LATER.isoformat(),
        "run": run.pk}
    assert proof["counts"] == {
        "reports": 1, "identities": 1, "report_texts": 1, "messages": 2, "attachments": 2,
        "attachment_bytes": len(PDF) + len(PDF + b"%x\n"), "evidence": 0, "evidence_bytes": 0, "notes": 1,
        "index_entries": 1, "band_keys": bands, "entity_keys": entities, "triage_implicated": 1, "clue_title": 1,
        "search_grams": grams}
    assert proof["digests"]["evidence"] is None  # nothing of that kind went
    assert proof["digests"]["index_entries"] == keyed_manifest([entry_digest])
    assert proof["kept"] == ["clue state, category, industry, division, dates, outcome",
                             "report channel, category, division, time", "conclusion and signatures",
                             "public steps"]
    # how an auditor recomputes the digests (tests/records/helpers.keyed does it this way)
    assert proof["digest_key"]["items"] == (
        "content.digest (person cluedesk-dg); files: the plaintext, content.file_hasher (person cluedesk-fd), as "
        "recorded at intake; ciphertext_sha256: plain SHA-256 of the encrypted file")
    assert ClueTriage.objects.get(clue=clue).implicated == []

    purge = Purge.objects.get(clue=clue)
    assert (purge.run_id, purge.outcome, purge.retention_days, purge.counts, purge.proof, purge.event_seq) == (
        run.pk, "no_action", 1825, proof["counts"], proof, event.seq)
    assert before <= purge.purged_at <= after


# one clue by number ------------------------------------------------------------------------------

def test_one_clue_asked_for_by_its_number_in_any_case_is_the_only_one_purged(org_world) -> None:
    w = org_world
    asked = full_clue(w, text=GAMBLING)
    other = full_clue(w, text=SAND)
    result = services.run_retention(now=LATER, only=f"  {asked.public_id.lower()} ")
    assert result.purged == [asked.public_id] and [c.public_id for c in result.due] == [asked.public_id]
    assert not Purge.objects.filter(clue=other).exists() and other.reports.get().text == SAND


def test_one_clue_that_is_unknown_outside_the_scope_purged_or_not_due_is_refused(org_world) -> None:
    w = org_world
    clue = full_clue(w, text=GAMBLING)
    young = full_clue(w, text=SAND, concluded_at=T0 + dt.timedelta(days=1000))
    for language, text in (("en", "No clue CNOSUCH."), ("zh-hans", "没有线索 CNOSUCH。")):
        refused = _run_refused(language, now=LATER, only="CNOSUCH")
        assert refused.code == "unknown_clue" and str(refused.message) == text
    outside = Clue.objects.exclude(pk=clue.pk)  # the person may act on every clue but this one
    assert _run_refused("en", now=LATER, only=clue.public_id, clues=outside).code == "unknown_clue"
    for language, text in (("en", f"Clue {young.public_id} is not due for purging."),
                           ("zh-hans", f"线索 {young.public_id} 尚未到删除期限。")):
        refused = _run_refused(language, now=LATER, only=young.public_id.lower())
        assert refused.code == "not_due" and str(refused.message) == text
    assert not RetentionRun.objects.exists() and not Purge.objects.exists()
    services.run_retention(now=LATER, only=clue.public_id)
    for language, text in (("en", f"Clue {clue.public_id} was already purged."),
                           ("zh-hans", f"线索 {clue.public_id} 的个人信息已删除。")):
        refused = _run_refused(language, now=LATER, only=clue.public_id)
        assert refused.code == "purged" and str(refused.message) == text
    assert RetentionRun.objects.count() == 1


def test_a_run_over_a_scope_leaves_the_clues_outside_it(org_world) -> None:
    w = org_world
    inside = full_clue(w, text=GAMBLING)
    outside = full_clue(w, text=SAND)
    result = services.run_retention(now=LATER, clues=Clue.objects.filter(pk=inside.pk))
    assert result.purged == [inside.public_id] and not Purge.objects.filter(clue=outside).exists()


def test_the_daily_job_runs_as_the_worker_and_says_how_many_went_were_held_or_failed(org_world) -> None:
    w = org_world
    due = full_clue(w, text=GAMBLING)
    held = full_clue(w, text=SAND)
    services.place_hold(held, reason="Inquiry", user=w.staff["custodian"])
    assert services.job_retention(LATER) == {"purged": 1, "held": 1, "failed": 0}
    run = RetentionRun.objects.get()
    assert (run.trigger, run.started_by, run.as_of, run.purged, run.held) == ("worker", None, LATER, 1, 1)
    event = Event.objects.get(verb="records.retention_run")
    assert (event.actor_kind, event.actor_id) == ("system", "retention") and event.data["trigger"] == "worker"
    assert Purge.objects.filter(clue=due).exists()


def test_one_clue_failing_is_listed_with_its_error_and_the_others_still_go(org_world, monkeypatch, caplog) -> None:
    w = org_world
    first = full_clue(w, text=GAMBLING)
    second = full_clue(w, text=SAND)
    real = services.record

    def fail_first(verb, **kwargs):
        if verb == "records.purged" and kwargs.get("subject_id") == first.public_id:
            raise RuntimeError("disk gone")
        return real(verb, **kwargs)

    monkeypatch.setattr(services, "record", fail_first)
    with caplog.at_level(logging.ERROR, logger="cluedesk.records"):
        result = services.run_retention(now=LATER)
    [logged] = [r for r in caplog.records if r.name == "cluedesk.records"]
    assert logged.getMessage() == f"purge of {first.public_id} failed" and logged.exc_info  # for the operator
    assert result.purged == [second.public_id]
    assert result.failed == [(first.public_id, "RuntimeError: disk gone")]
    assert result.as_json()["failed"] == [{"clue": first.public_id, "error": "RuntimeError: disk gone"}]
    run = RetentionRun.objects.get()
    assert (run.purged, run.held, run.failed, run.error) == (1, 0, 1, f"{first.public_id}: RuntimeError: disk gone")
    assert Event.objects.get(verb="records.retention_run").data["failed"] == [first.public_id]
    assert first.reports.get().text == GAMBLING and not Purge.objects.filter(clue=first).exists()


# which clues are candidates, with which outcome and period ---------------------------------------

def _concluded(w, outcome: str, *, also: tuple[str, ...] = (), at: dt.datetime = T0) -> Clue:
    clue = move(new_clue(w.county.division), "concluded", user=w.staff["verifier"], unit=w.county, outcome=outcome,
                concluded_at=at)
    if also:
        Conclusion.objects.filter(clue=clue, superseded=False).update(also_outcomes=join_outcomes(list(also)))
    return clue


def test_final_outcomes_reads_only_the_clues_asked_for_in_chunks_that_miss_none(org_world) -> None:
    """x_final_outcomes__mutmut_24 (every clue's conclusions read, not only those asked for: a month's
    statistics would read the whole table), 6 and 9 (chunks of 2,000 ids that skip some: the clue at
    position 2,000 or 4,000 of a long list had no outcome)."""
    w = org_world
    first, second, other = (_concluded(w, "criminal_case"), _concluded(w, "admin_penalty"),
                            _concluded(w, "discipline"))
    assert policy.final_outcomes([first.pk]) == {first.pk: "criminal_case"}
    missing = max(first.pk, second.pk, other.pk) + 1  # ids with no clue, to fill the list
    ids = [missing + i for i in range(4001)]
    ids[2000], ids[4000] = first.pk, second.pk
    assert policy.final_outcomes(ids) == {first.pk: "criminal_case", second.pk: "admin_penalty"}


def _found(periods: dict | None = None) -> dict[str, policy.Candidate]:
    return {c.public_id: c for c in policy.candidates(periods if periods is not None else dict(NATIONAL))}


def test_a_clue_with_several_outcomes_is_kept_as_long_as_its_longest_kept_one(org_world) -> None:
    """docs/records.md and policy.final_outcomes: of a conclusion's outcomes, the one kept longest
    decides, so no outcome's retention is cut short; "keep" is longest of all; of equals, the main."""
    w = org_world
    longer = _concluded(w, "no_action", also=("admin_penalty",))        # 1825 vs 3650
    kept = _concluded(w, "admin_penalty", also=("criminal_case",))      # 3650 vs keep
    main_kept = _concluded(w, "discipline", also=("no_action",))        # keep vs 1825
    equal = _concluded(w, "transferred", also=("admin_penalty",))       # 3650 vs 3650: the main one
    alone = _concluded(w, "admin_penalty")
    found = _found()
    assert (found[longer.public_id].outcome, found[longer.public_id].days) == ("admin_penalty", 3650)
    assert found[longer.public_id].due_at == T0 + dt.timedelta(days=3650)
    assert (found[kept.public_id].outcome, found[kept.public_id].days, found[kept.public_id].due_at) == (
        "criminal_case", None, None)
    assert (found[main_kept.public_id].outcome, found[main_kept.public_id].days) == ("discipline", None)
    assert (found[equal.public_id].outcome, found[equal.public_id].days) == ("transferred", 3650)
    assert (found[alone.public_id].outcome, found[alone.public_id].days) == ("admin_penalty", 3650)
    far = T0 + dt.timedelta(days=36500)
    assert not found[kept.public_id].is_due(far) and not found[main_kept.public_id].is_due(far)


def test_an_outcome_the_table_does_not_name_follows_the_default_period(org_world) -> None:
    """docs/operations.md: the custom profile has one period for everything (default)."""
    w = org_world
    clue = _concluded(w, "no_action", also=("discipline",))
    found = _found({"default": 400})
    assert (found[clue.public_id].outcome, found[clue.public_id].days) == ("no_action", 400)
    found = _found({"default": 400, "discipline": 900})
    assert (found[clue.public_id].outcome, found[clue.public_id].days) == ("discipline", 900)
    assert found[clue.public_id].outcome_label == "discipline referral"


def test_the_outcome_is_the_latest_final_conclusions_and_a_superseded_one_does_not_count(org_world) -> None:
    w = org_world
    clue = _concluded(w, "admin_penalty")
    conclusion = Conclusion.objects.get(clue=clue)
    # a later draft that is not final, and a superseded final one, say nothing
    Conclusion.objects.create(clue=clue, unit=w.county, drafter=w.staff["verifier"], finding="substantiated",
                              outcome="no_action", summary="s", public_wording="p", final=False)
    Conclusion.objects.create(clue=clue, unit=w.county, drafter=w.staff["verifier"], finding="substantiated",
                              outcome="no_action", summary="s", public_wording="p", final=True, superseded=True)
    assert _found()[clue.public_id].outcome == "admin_penalty"
    # two final ones standing: the later one
    Conclusion.objects.create(clue=clue, unit=w.county, drafter=w.staff["verifier"], finding="substantiated",
                              outcome="no_action", summary="s", public_wording="p", final=True)
    assert (_found()[clue.public_id].outcome, _found()[clue.public_id].days) == ("no_action", 1825)
    Conclusion.objects.filter(clue=clue).exclude(pk=conclusion.pk).delete()
    Conclusion.objects.filter(pk=conclusion.pk).update(superseded=True)
    # no final conclusion left: any other closed clue
    assert (_found()[clue.public_id].outcome, _found()[clue.public_id].days) == ("default", 1825)


def test_a_hold_number_that_is_not_a_number_releases_nothing(org_world) -> None:
    """release_hold takes the number as typed in a form: text that is not a number is no hold at all,
    not hold number 1."""
    clue = full_clue(org_world)
    custodian = org_world.staff["custodian"]
    first = LegalHold.objects.create(pk=1, clue=clue, reason="Inquiry", placed_by=custodian,
                                     placed_at=timezone.now())
    for typed in ("not-a-number", None, ""):
        with pytest.raises(RetentionError) as refused:
            services.release_hold(typed, reason="x", user=custodian)
        assert refused.value.code == "no_hold"
    first.refresh_from_db()
    assert first.released_at is None and not Event.objects.filter(verb="records.hold_released").exists()


def test_a_hold_placed_after_the_run_listed_the_clue_counts_it_as_held_not_failed(org_world, monkeypatch) -> None:
    """tests/records/test_hold_checks.py: purge_clue refuses a clue held after the list was made; the
    run then reports it held, like any held clue, and purges nothing of it."""
    w = org_world
    clue = full_clue(w)
    listed = policy.due

    def list_then_hold(*args, **kwargs):
        found = listed(*args, **kwargs)
        services.place_hold(clue, reason="Late order", user=w.staff["custodian"])
        return found

    monkeypatch.setattr(policy, "due", list_then_hold)
    result = services.run_retention(now=LATER)
    assert result.purged == [] and result.failed == [] and [c.public_id for c in result.held] == [clue.public_id]
    run = RetentionRun.objects.get()
    assert (run.purged, run.held, run.failed, run.files_deleted, run.error) == (0, 1, 0, 0, "")
    assert Event.objects.get(verb="records.retention_run").data["held"] == [clue.public_id]
    assert not Purge.objects.exists() and clue.reports.get().text != ""


def test_a_clue_reopened_after_the_run_listed_it_fails_as_not_due_and_keeps_its_data(org_world,
                                                                                      monkeypatch) -> None:
    """purge_clue: refused when the clue is no longer closed; the run lists it as failed with that
    message, in the run's row too."""
    w = org_world
    clue = full_clue(w)
    listed = policy.due

    def list_then_reopen(*args, **kwargs):
        found = listed(*args, **kwargs)
        move(clue, "verifying", user=w.staff["verifier"])
        return found

    monkeypatch.setattr(policy, "due", list_then_reopen)
    result = services.run_retention(now=LATER)
    message = f"Clue {clue.public_id} is not due for purging."
    assert result.purged == [] and result.held == [] and result.failed == [(clue.public_id, message)]
    run = RetentionRun.objects.get()
    assert (run.purged, run.held, run.failed, run.error) == (0, 0, 1, f"{clue.public_id}: {message}")
    assert not Purge.objects.exists() and clue.reports.get().text != ""


def test_a_hold_on_one_clue_does_not_stop_a_hold_on_another(org_world) -> None:
    w = org_world
    first = full_clue(w, text=GAMBLING)
    second = full_clue(w, text=SAND)
    services.place_hold(first, reason="Inquiry 1", user=w.staff["custodian"])
    services.place_hold(second, reason="Inquiry 2", user=w.staff["custodian"])
    assert sorted(LegalHold.objects.filter(released_at__isnull=True).values_list("reason", flat=True)) == [
        "Inquiry 1", "Inquiry 2"]


# the sweep: interrupted deletions and orphan files -----------------------------------------------

SWEEP_NOW = dt.datetime(2031, 1, 1, 0, 0, tzinfo=dt.UTC)


def _file(rel: str, at: dt.datetime) -> Path:
    path = Path(settings.FILES_DIR) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ciphertext")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def test_the_sweep_finishes_interrupted_deletions_and_removes_only_old_files_no_row_refers_to(
        org_world, caplog) -> None:
    """docs/records.md: the sweep finishes the deletions a crash interrupted (PendingFileDeletion),
    and removes encrypted files no row refers to that are older than a day, as of the moment given;
    attachments live in two-letter folders, evidence in evidence/. Anything else is not its own."""
    w = org_world
    clue = full_clue(w)
    root = Path(settings.FILES_DIR)
    old, day = SWEEP_NOW - dt.timedelta(days=2), SWEEP_NOW - dt.timedelta(days=1)
    attachment = Attachment.objects.filter(report__clue=clue).first()
    kept_attachment = services.attachment_path(attachment.public_id)
    os.utime(kept_attachment, (old.timestamp(), old.timestamp()))
    Evidence.objects.create(clue=clue, file_id="ev-known", name="a.jpg", size=10, digest="d",
                            uploaded_by=w.staff["verifier"])
    kept = [kept_attachment, _file("evidence/ev-known", old),
            _file("ab/abyoung", day + dt.timedelta(seconds=1)), _file("ab/abday", day)]
    kept += [_file(f"zz{i}.txt", old) for i in range(4)]              # not in a folder of the store
    kept += [_file(f"ab{i}x/old", old) for i in range(4)]             # three letters: not an attachment folder
    kept += [_file(f"y{i}/young", day + dt.timedelta(hours=1)) for i in range(4)]  # nothing old in these
    (root / "ab" / "sub").mkdir()                                      # a folder inside: not a file
    os.utime(root / "ab" / "sub", (old.timestamp(), old.timestamp()))
    orphans = [_file("ab/abold", old), _file("evidence/ev-orphan", old), _file("cd/cdold", old)]

    pending_file = _file("ef/efpending", SWEEP_NOW)
    (root / "gh" / "ghdir").mkdir(parents=True)
    created = timezone.now()
    for rel in ("ef/efpending", "ef/efgone", "gh/ghdir"):
        PendingFileDeletion.objects.create(path=rel, created_at=created)

    with caplog.at_level(logging.ERROR, logger="cluedesk.records"):
        assert services.sweep_files(SWEEP_NOW) == {"pending": 2, "orphans": 3}
    assert all(p.exists() for p in kept) and (root / "ab" / "sub").is_dir()
    assert not any(p.exists() for p in orphans) and not pending_file.exists()
    # a deletion that failed stays pending for the next sweep, and the operator is told
    assert list(PendingFileDeletion.objects.values_list("path", flat=True)) == ["gh/ghdir"]
    [logged] = [r for r in caplog.records if r.name == "cluedesk.records"]
    assert logged.getMessage() == "could not remove gh/ghdir; the next sweep retries" and logged.exc_info


def test_the_sweep_measures_age_from_the_moment_it_is_given(org_world) -> None:
    """A file two days old as of 1 January 2031 is still in the future now: a sweep as of now
    leaves it, a sweep as of then removes it."""
    orphan = _file("ab/abold", SWEEP_NOW - dt.timedelta(days=2))
    assert services.sweep_files() == {"pending": 0, "orphans": 0} and orphan.exists()
    assert services.sweep_files(SWEEP_NOW) == {"pending": 0, "orphans": 1} and not orphan.exists()


def _closing_event(clue: Clue, verb: str) -> Event:
    with transaction.atomic():
        return record(verb, actor=Actor.system("test"), subject_type="clue", subject_id=clue.public_id, data={})


def test_invalid_and_transferred_clues_are_measured_from_the_event_that_closed_them(org_world) -> None:
    """policy module docstring: closed as invalid (outcome default) or transferred (outcome
    transferred), measured from the ledger event that closed them — the latest, if closed twice."""
    w = org_world
    invalid = move(new_clue(w.county.division), "invalid")
    invalid_event = _closing_event(invalid, "clue.screen_invalid")
    transferred = move(new_clue(w.other_county.division), "transferred")
    _closing_event(transferred, "clue.transfer")
    last = _closing_event(transferred, "clue.transfer")
    found = _found()
    c = found[invalid.public_id]
    assert (c.clue_id, c.division_id, c.state, c.outcome, c.days) == (
        invalid.pk, w.county.division.code, "invalid", "default", 1825)
    assert c.closed_at == invalid_event.created_at and c.due_at == invalid_event.created_at + dt.timedelta(days=1825)
    c = found[transferred.public_id]
    assert (c.clue_id, c.division_id, c.state, c.outcome, c.days) == (
        transferred.pk, w.other_county.division.code, "transferred", "transferred", 3650)
    assert c.closed_at == last.created_at and c.due_at == last.created_at + dt.timedelta(days=3650)
    assert not c.held and c.hold_reason == ""


def test_only_closed_clues_with_a_moment_to_measure_from_are_candidates(org_world) -> None:
    """A clue closed as invalid with no closing event has no moment to measure from and is kept
    (never guessed), without hiding the clues after it; a clue closed and then reopened, a merged
    clue and open clues are not candidates; neither is a purged one."""
    w = org_world
    unmeasured = move(new_clue(w.county.division), "invalid")            # no clue.screen_invalid event
    reopened = move(new_clue(w.county.division), "invalid")
    _closing_event(reopened, "clue.screen_invalid")
    move(reopened, "screened")
    merged = move(new_clue(w.county.division), "merged")
    reviewed = move(new_clue(w.county.division), "reviewed", user=w.staff["verifier"], unit=w.county,
                    outcome="admin_penalty", concluded_at=T0)
    concluded = _concluded(w, "no_action")
    purged = _concluded(w, "no_action")
    Purge.objects.create(clue=purged, purged_at=timezone.now(), outcome="no_action", retention_days=1825)
    assert unmeasured.pk < reopened.pk < merged.pk < reviewed.pk < concluded.pk
    found = _found()
    assert set(found) == {reviewed.public_id, concluded.public_id}
    assert (found[reviewed.public_id].outcome, found[reviewed.public_id].closed_at) == ("admin_penalty", T0)
    assert [c.public_id for c in policy.candidates(dict(NATIONAL))] == [reviewed.public_id, concluded.public_id]
    assert [c.public_id for c in policy.due(dict(NATIONAL), T0 + dt.timedelta(days=1825))] == [concluded.public_id]
    assert policy.due(dict(NATIONAL), T0 + dt.timedelta(days=1825) - dt.timedelta(seconds=1)) == []
    assert [c.public_id for c in policy.candidates(dict(NATIONAL), Clue.objects.filter(pk=reviewed.pk))] == [
        reviewed.public_id]


# what a purge blanks, counts and proves, part by part ----------------------------------------------

def test_a_purge_blanks_every_told_part_and_counts_only_what_held_something(org_world) -> None:
    """docs/records.md, "What goes": text, place, time and people as told and the channel reference
    set to ""; message bodies and notes blanked (rows stay). A part that was already empty is
    neither counted nor digested; a clue with no title has no title digest."""
    w = org_world
    clue = move(new_clue(w.county.division, reports=2), "concluded", user=w.staff["verifier"], unit=w.county,
                outcome="no_action", concluded_at=T0)
    told, silent = Report.objects.filter(clue=clue).order_by("pk")
    Report.objects.filter(pk=told.pk).update(text="赌场", when_text="去年冬天", channel_ref="ext-42")
    Report.objects.filter(pk=silent.pk).update(text="")
    Message.objects.create(report=told, direction="in", body="有录音")
    Message.objects.create(report=told, direction="out", body="")
    Note.objects.create(clue=clue, author=w.staff["verifier"], text="询问证人")
    Note.objects.create(clue=clue, author=w.staff["verifier"], text="")
    assert services.personal_data_counts([clue.pk]) == {
        "reports": 2, "identities": 0, "report_texts": 1, "messages": 1, "attachments": 0, "evidence": 0,
        "notes": 1, "index_entries": 0}

    services.run_retention(now=LATER)
    proof = Purge.objects.get(clue=clue).proof
    assert proof["counts"] == {
        "reports": 2, "identities": 0, "report_texts": 1, "messages": 1, "attachments": 0, "attachment_bytes": 0,
        "evidence": 0, "evidence_bytes": 0, "notes": 1, "index_entries": 0, "band_keys": 0, "entity_keys": 0,
        "triage_implicated": 0, "clue_title": 0, "search_grams": 0}
    assert proof["digests"] == {
        "identities": None, "report_texts": keyed_manifest([keyed("\x1f".join(["赌场", "", "去年冬天", "", "ext-42"]))]),
        "messages": keyed_manifest([keyed("有录音")]), "attachments": None, "evidence": None,
        "notes": keyed_manifest([keyed("询问证人")]), "index_entries": None, "clue_title": None}
    for report in Report.objects.filter(clue=clue):
        assert (report.text, report.place_text, report.when_text, report.who_text, report.channel_ref,
                report.sealed_identity) == ("", "", "", "", "", None)
    assert sorted(Message.objects.filter(report__clue=clue).values_list("body", flat=True)) == ["", ""]
    assert sorted(Note.objects.filter(clue=clue).values_list("text", flat=True)) == ["", ""]


def test_the_proof_of_files_names_each_with_its_digests_and_size_and_their_deletion_waits_for_the_commit(
        org_world, django_capture_on_commit_callbacks) -> None:
    """docs/records.md, "Proof": for every file its id, plaintext digest, ciphertext SHA-256 and size
    (and a keyed digest of its sealed or plain name); per kind a keyed digest over the ciphertext
    digests — over the plaintext digest when the encrypted file is already gone. "Atomic per clue":
    one PendingFileDeletion row per file in the purge's transaction, files unlinked after the commit."""
    w = org_world
    clue = full_clue(w)
    first, second = Attachment.objects.filter(report__clue=clue).order_by("pk")
    sealed = {a.public_id: bytes(a.sealed_name) for a in (first, second)}
    assert all(sealed.values())
    Attachment.objects.filter(pk=second.pk).update(sealed_name=None)  # a file stored without its name
    second_path = services.attachment_path(second.public_id)
    second_path.unlink()  # lost before the purge: no ciphertext to digest
    first_path = services.attachment_path(first.public_id)
    first_cipher = hashlib.sha256(first_path.read_bytes()).hexdigest()
    photo = b"photo of the loan book"
    Evidence.objects.create(clue=clue, file_id="ev-photo", name="账本.jpg", size=len(photo),
                            digest=keyed(photo, b"cluedesk-fd"), uploaded_by=w.staff["verifier"])
    ev_path = _file("evidence/ev-photo", T0)
    ev_cipher = hashlib.sha256(ev_path.read_bytes()).hexdigest()

    [candidate] = policy.due(policy.periods_in_force()[1], LATER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purge = services.purge_clue(candidate, now=LATER, actor=Actor.system())
    files = {f["id"]: f for f in purge.proof["files"]}
    assert files[first.public_id] == {
        "kind": "attachment", "id": first.public_id, "digest": first.digest, "size": first.size,
        "ciphertext_sha256": first_cipher, "sealed_name_digest": keyed(sealed[first.public_id])}
    assert files[second.public_id] == {
        "kind": "attachment", "id": second.public_id, "digest": second.digest, "size": second.size,
        "ciphertext_sha256": None, "sealed_name_digest": None}
    assert files["ev-photo"] == {"kind": "evidence", "id": "ev-photo", "digest": keyed(photo, b"cluedesk-fd"),
                                 "size": len(photo), "ciphertext_sha256": ev_cipher, "name_digest": keyed("账本.jpg")}
    assert purge.proof["digests"]["attachments"] == keyed_manifest([first_cipher, second.digest])
    assert purge.proof["digests"]["evidence"] == keyed_manifest([ev_cipher])
    assert purge.counts["evidence"] == 1 and purge.counts["evidence_bytes"] == len(photo)
    assert purge.counts["attachment_bytes"] == first.size + second.size
    assert not Evidence.objects.filter(clue=clue).exists()

    rel = {f"{first.public_id[:2]}/{first.public_id}", f"{second.public_id[:2]}/{second.public_id}",
           "evidence/ev-photo"}
    pending = PendingFileDeletion.objects.all()
    assert {p.path for p in pending} == rel and {p.purge_id for p in pending} == {purge.pk}
    assert all(p.created_at is not None for p in pending)
    assert first_path.exists() and ev_path.exists()  # not before the commit
    for callback in callbacks:
        callback()
    assert not first_path.exists() and not ev_path.exists() and not PendingFileDeletion.objects.exists()


def test_an_evidence_file_lost_before_the_purge_is_proved_by_its_plaintext_digest(org_world) -> None:
    """x_purge_clue__mutmut_284, 285 (the evidence manifest fell back to a key the file's entry does not
    have: the purge of a clue whose evidence file was already gone failed and kept everything).
    docs/records.md, "Proof": over the plaintext digest when the encrypted file is already gone."""
    w = org_world
    clue = full_clue(w)
    Evidence.objects.create(clue=clue, file_id="ev-lost", name="账本.jpg", size=3, digest="plaintext-digest-of-lost",
                            uploaded_by=w.staff["verifier"])
    assert not services.evidence_path("ev-lost").exists()
    [candidate] = policy.due(policy.periods_in_force()[1], LATER)
    purge = services.purge_clue(candidate, now=LATER, actor=Actor.system())
    assert purge.proof["digests"]["evidence"] == keyed_manifest(["plaintext-digest-of-lost"])
    [lost] = [f for f in purge.proof["files"] if f["id"] == "ev-lost"]
    assert lost["ciphertext_sha256"] is None and lost["digest"] == "plaintext-digest-of-lost"
    assert not Evidence.objects.filter(clue=clue).exists()


def test_a_candidate_carries_its_own_active_hold_and_reason_only(org_world) -> None:
    w = org_world
    custodian = w.staff["custodian"]
    held = _concluded(w, "no_action")
    released = _concluded(w, "no_action")
    free = _concluded(w, "no_action")
    old = services.place_hold(released, reason="Old inquiry", user=custodian)
    services.release_hold(old.pk, reason="Closed", user=custodian)
    hold = services.place_hold(held, reason="Court order 9", user=custodian)
    found = _found()
    assert (found[held.public_id].hold_id, found[held.public_id].hold_reason) == (hold.pk, "Court order 9")
    for clue in (released, free):
        assert (found[clue.public_id].hold_id, found[clue.public_id].hold_reason, found[clue.public_id].held) == (
            None, "", False)
    assert policy.candidates(dict(NATIONAL), Clue.objects.none()) == []


def test_a_run_counts_every_purged_file_and_cuts_a_long_error_to_2000_characters(org_world, monkeypatch) -> None:
    w = org_world
    full_clue(w, text=GAMBLING)
    full_clue(w, text=SAND)
    broken = full_clue(w, text=PYRAMID)
    real = services.record

    def fail_broken(verb, **kwargs):
        if verb == "records.purged" and kwargs.get("subject_id") == broken.public_id:
            raise RuntimeError("x" * 3000)
        return real(verb, **kwargs)

    monkeypatch.setattr(services, "record", fail_broken)
    result = services.run_retention(now=LATER)
    run = RetentionRun.objects.get()
    assert (run.purged, run.failed, run.files_deleted) == (2, 1, 4)  # two files on each purged clue
    assert len(run.error) == 2000 and run.error.startswith(f"{broken.public_id}: RuntimeError: xxx")
    assert result.failed[0][1] == "RuntimeError: " + "x" * 3000  # the result keeps it whole


def test_a_run_with_nothing_due_still_sweeps_as_of_its_moment(org_world) -> None:
    orphan = _file("ab/abold", SWEEP_NOW - dt.timedelta(days=2))
    result = services.run_retention(now=SWEEP_NOW)
    assert result.run_id is None and result.files == {"pending": 0, "orphans": 1} and not orphan.exists()
    assert not RetentionRun.objects.exists()


def test_a_run_as_of_an_earlier_moment_sweeps_only_what_was_old_then(org_world) -> None:
    """Both of a run's sweeps measure a file's age as of the run's moment: a file written two days
    ago did not exist five days ago, so a run as of then leaves it."""
    clue = full_clue(org_world, concluded_at=dt.datetime(2019, 1, 5, tzinfo=dt.UTC))
    real_now = timezone.now()
    orphan = _file("ab/abold", real_now - dt.timedelta(days=2))
    result = services.run_retention(now=real_now - dt.timedelta(days=5))
    assert result.purged == [clue.public_id]
    assert result.files["orphans_removed"] == 0 and orphan.exists()


def test_orphans_found_before_and_after_the_purges_are_added_up(org_world, monkeypatch) -> None:
    """x_run_retention__mutmut_166 (the second sweep's orphans were taken from the first's): an old
    file left behind by another node while the run purges is removed by the run's second sweep and
    counted with those the first sweep removed."""
    clue = full_clue(org_world)
    old = timezone.now() - dt.timedelta(days=10)
    before = _file("ab/abbefore", old)
    real = services.purge_clue
    left: list[Path] = []

    def purge_and_leave_an_orphan(*args, **kwargs):
        left.append(_file("cd/cdduring", old))  # another node's crash, while this run purges
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "purge_clue", purge_and_leave_an_orphan)
    result = services.run_retention(now=LATER)
    assert result.purged == [clue.public_id]
    assert result.files["orphans_removed"] == 2
    assert not before.exists() and not left[0].exists()


def test_the_runs_error_names_each_failed_clue_separated_by_semicolons(org_world, monkeypatch) -> None:
    w = org_world
    first, second = _concluded(w, "no_action"), _concluded(w, "no_action")
    listed = policy.due

    def list_then_reopen_both(*args, **kwargs):
        found = listed(*args, **kwargs)
        move(first, "verifying")
        move(second, "verifying")
        return found

    monkeypatch.setattr(policy, "due", list_then_reopen_both)
    services.run_retention(now=LATER)
    assert RetentionRun.objects.get().error == (f"{first.public_id}: Clue {first.public_id} is not due for purging.; "
                                                f"{second.public_id}: Clue {second.public_id} is not due for purging.")


def test_purging_a_clue_reopened_since_it_was_listed_is_refused_as_not_due_though_an_older_clue_is_due(
        org_world) -> None:
    """purge_clue looks again at *that* clue under its lock: another clue being due (here an older
    one, listed first) does not make a reopened one purgeable."""
    w = org_world
    older = full_clue(w, text=GAMBLING)
    reopened = full_clue(w, text=SAND)
    listed = {c.clue_id: c for c in policy.due(policy.periods_in_force()[1], LATER)}
    assert {older.pk, reopened.pk} <= set(listed)
    move(reopened, "verifying", user=w.staff["verifier"])
    with pytest.raises(RetentionError) as refused:
        services.purge_clue(listed[reopened.pk], now=LATER, actor=Actor.system())
    assert refused.value.code == "not_due"
    assert str(refused.value.message) == f"Clue {reopened.public_id} is not due for purging."
    assert not Purge.objects.exists() and reopened.reports.get().text != ""


def test_a_sweep_does_not_fail_when_another_node_removed_an_orphan_first(org_world, monkeypatch) -> None:
    """Two nodes share the file store and both sweep (docs/operations.md, scale-out): an orphan the
    other node removed between this sweep's listing and its deletion is gone either way, not an error."""
    orphan = _file("ab/abold", SWEEP_NOW - dt.timedelta(days=2))
    looked_up = Attachment.objects.filter

    def the_other_node_sweeps_meanwhile(*args, **kwargs):
        orphan.unlink(missing_ok=True)
        return looked_up(*args, **kwargs)

    monkeypatch.setattr(Attachment.objects, "filter", the_other_node_sweeps_meanwhile)
    result = services.sweep_files(SWEEP_NOW)
    assert result["pending"] == 0 and not orphan.exists()
