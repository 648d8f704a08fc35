"""Services of the rectification registers: every bad input is refused with its message and
writes nothing; the good path writes one ledger event per act."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from cluedesk.ledger.models import Event
from cluedesk.rectify import industry, services, tasks
from cluedesk.rectify.models import Indicator, Letter, ProblemItem
from cluedesk.rectify.services import RectifyError
from tests.org.factories import make_staff
from tests.queue import run_queue
from tests.rectify.helpers import TODAY, nothing_written

pytestmark = pytest.mark.django_db
S = ProblemItem.Status


def _item(rw, **kw):
    args = {"acting_user": rw.supervisor, "round": rw.round, "owner": rw.w.county, "problem": "线索核查不深不实",
            "measures": "逐条复核", "time_limit": "2026-05-31"}
    args.update(kw)
    return services.add_item(**args)


# --- special supervision lists ---------------------------------------------------------------------

def test_items_are_numbered_per_round_with_one_event_each(rw):
    before = Event.objects.count()
    a, b = _item(rw), _item(rw, owner=rw.w.other_county)
    assert (a.number, b.number, a.status) == (1, 2, S.OPEN)
    assert Event.objects.count() == before + 2
    assert Event.objects.filter(verb="rectify.item_added", subject_id=str(a.pk)).exists()


@pytest.mark.parametrize("kw,message", [
    ({"problem": "  "}, "The problem is required."),
    ({"time_limit": "2026-02-30"}, "The time limit is not a real date"),
    ({"time_limit": ""}, "The time limit is required."),
    ({"time_limit": "2026-02-28"}, "The time limit is before the round started"),
    ({"time_limit": "2031-01-01"}, "more than three years"),
    ({"problem": "x" * 2001}, "too long"),
])
def test_bad_items_are_refused(rw, kw, message):
    with nothing_written(), pytest.raises(RectifyError, match=message):
        _item(rw, **kw)


def test_an_owner_outside_the_rounds_area_is_refused(rw):
    from tests.org.factories import make_unit

    guangzhou = make_unit("Guangzhou office", "440100")
    with nothing_written(), pytest.raises(RectifyError, match="outside the round's area"):
        _item(rw, owner=guangzhou)


def test_the_full_loop_with_an_encrypted_file(rw, settings):
    item = _item(rw)
    admin = rw.w.staff["admin"]
    services.start_item(item, acting_user=admin)
    services.start_item(item, acting_user=admin)  # a repeat is a no-op
    upload = SimpleUploadedFile("整改报告.txt", "已完成整改".encode(), content_type="text/plain")
    ev = services.submit_evidence(item, acting_user=admin, unit=rw.w.county, note="已复核 36 条线索", upload=upload)
    assert ev.file_id and ev.file_size > 0 and len(ev.file_sha256) == 64
    raw = services.evidence_path(ev.file_id).read_bytes()
    assert "已完成整改".encode() not in raw   # stored encrypted
    item.refresh_from_db()
    assert item.status == S.SUBMITTED and item.submitted_by == admin
    services.verify_item(item, acting_user=rw.supervisor)
    item.refresh_from_db()
    assert item.status == S.VERIFIED and item.verified_by == rw.supervisor
    verbs = list(Event.objects.filter(subject_type="problem_item", subject_id=str(item.pk)).values_list("verb", flat=True))
    assert verbs == ["rectify.item_added", "rectify.item_started", "rectify.item_submitted", "rectify.item_verified"]


def test_evidence_from_a_unit_that_is_not_the_owner_is_refused(rw):
    item = _item(rw)
    with nothing_written(), pytest.raises(RectifyError, match="Evidence must come from Liuyang"):
        services.submit_evidence(item, acting_user=rw.w.other_staff["admin"], unit=rw.w.other_county, note="n")


def test_evidence_from_a_non_member_of_the_owner_is_refused(rw):
    item = _item(rw)
    with nothing_written(), pytest.raises(RectifyError, match="not a member"):
        services.submit_evidence(item, acting_user=rw.w.other_staff["admin"], unit=rw.w.county, note="n")


def test_an_empty_note_or_a_program_file_is_refused(rw):
    item = _item(rw)
    admin = rw.w.staff["admin"]
    with nothing_written(), pytest.raises(RectifyError, match="description of what was rectified"):
        services.submit_evidence(item, acting_user=admin, unit=rw.w.county, note=" ")
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 100)
    with nothing_written(), pytest.raises(RectifyError, match="not accepted"):
        services.submit_evidence(item, acting_user=admin, unit=rw.w.county, note="n", upload=exe)


def test_verifying_your_own_submission_is_refused(rw):
    item = _item(rw)
    both = make_staff("both-hats", rw.w.county, "admin", "supervisor")
    services.submit_evidence(item, acting_user=both, unit=rw.w.county, note="done")
    with nothing_written(), pytest.raises(RectifyError, match="someone else must verify"):
        services.verify_item(item, acting_user=both)


def test_only_a_submitted_item_is_verified_and_only_from_above(rw):
    item = _item(rw)
    with nothing_written(), pytest.raises(RectifyError, match="Only an item submitted"):
        services.verify_item(item, acting_user=rw.supervisor)
    services.submit_evidence(item, acting_user=rw.w.staff["admin"], unit=rw.w.county, note="done")
    with nothing_written(), pytest.raises(RectifyError, match="supervisor over the round's area"):
        services.verify_item(item, acting_user=rw.w.staff["supervisor"])   # a county supervisor, the round is the city's


def test_reopen_needs_a_reason_and_sends_the_item_back(rw):
    item = _item(rw)
    services.submit_evidence(item, acting_user=rw.w.staff["admin"], unit=rw.w.county, note="done")
    with nothing_written(), pytest.raises(RectifyError, match="The reason is required"):
        services.reopen_item(item, acting_user=rw.supervisor, reason="")
    services.reopen_item(item, acting_user=rw.supervisor, reason="材料不全")
    item.refresh_from_db()
    assert item.status == S.REOPENED
    services.start_item(item, acting_user=rw.w.staff["admin"])
    item.refresh_from_db()
    assert item.status == S.RECTIFYING


def test_messages_come_in_chinese(rw):
    with translation.override("zh-hans"), pytest.raises(RectifyError) as exc:
        _item(rw, time_limit="2026-02-01")
    assert "督导开始" in exc.value.message


# --- letters --------------------------------------------------------------------------------------

def _letter(rw, **kw):
    args = {"acting_user": rw.supervisor, "kind": "procuratorial", "issuer": rw.procuratorate,
            "recipient": rw.authority, "number": "浏检建〔2026〕1号", "issue": "非法采砂监管不到位",
            "issued_on": "2026-04-01", "deadline": "2026-06-01", "today": TODAY}
    args.update(kw)
    return industry.issue_letter(**args)


def test_a_letter_is_answered_by_its_recipient_and_counts_as_rectified(rw):
    letter = _letter(rw)
    assert letter.industry == "natural_resources" and letter.status == Letter.Status.ISSUED
    industry.answer_letter(letter, acting_user=rw.liaison, unit=rw.authority, answered_on="2026-05-01",
                           text_of_answer="已开展整治", rectified="", today=TODAY)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ANSWERED and letter.answered_on == dt.date(2026, 5, 1)
    industry.answer_letter(letter, acting_user=rw.liaison, unit=rw.authority, answered_on="2026-06-01",
                           text_of_answer="整改完成", rectified="yes", today=TODAY)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.RECTIFIED and letter.rectified_on == dt.date(2026, 6, 1)
    assert Event.objects.filter(verb="rectify.letter_answered", subject_id=str(letter.pk)).count() == 2
    with nothing_written(), pytest.raises(RectifyError, match="already marked rectified"):
        industry.answer_letter(letter, acting_user=rw.liaison, unit=rw.authority, answered_on="2026-06-02",
                               text_of_answer="x", rectified="yes", today=TODAY)


@pytest.mark.parametrize("kw,message", [
    ({"kind": "poem"}, "Choose the kind of letter"),
    ({"kind": "judicial"}, "issued by a court"),
    ({"kind": "supervisory"}, "discipline inspection commission"),
    ({"number": ""}, "number is required"),
    ({"issue": ""}, "problem the letter raises is required"),
    ({"issued_on": "2026-06-16"}, "The date of issue is in the future"),
    ({"issued_on": "2026-13-01"}, "not a real date"),
    ({"deadline": "2026-04-01"}, "must be after the date of issue"),
    ({"deadline": "2027-06-01"}, "more than a year"),
])
def test_bad_letters_are_refused(rw, kw, message):
    with nothing_written(), pytest.raises(RectifyError, match=message):
        _letter(rw, **kw)


def test_a_letter_to_a_unit_that_is_not_an_industry_authority_is_refused(rw):
    with nothing_written(), pytest.raises(RectifyError, match="not an industry authority"):
        _letter(rw, recipient=rw.w.county)


def test_a_duplicate_number_is_refused(rw):
    _letter(rw)
    with nothing_written(), pytest.raises(RectifyError, match="already has a letter numbered"):
        _letter(rw)


def test_answers_from_the_wrong_unit_or_person_or_date_are_refused(rw):
    letter = _letter(rw)
    cases = [
        ({"acting_user": rw.other_liaison, "unit": rw.other_authority}, "Only 浏阳市自然资源局, to whom the letter"),
        ({"acting_user": rw.w.staff["industry_liaison"], "unit": rw.authority}, "Only the liaison or the admin"),
        ({"answered_on": "2026-03-31"}, "dated before the letter was issued"),
        ({"answered_on": "2026-06-16"}, "The date of the answer is in the future"),
        ({"text_of_answer": ""}, "The answer is required"),
    ]
    for kw, message in cases:
        args = {"acting_user": rw.liaison, "unit": rw.authority, "answered_on": "2026-05-01",
                "text_of_answer": "ok", "rectified": "", "today": TODAY}
        args.update(kw)
        with nothing_written(), pytest.raises(RectifyError, match=message):
            industry.answer_letter(letter, **args)
    industry.answer_letter(letter, acting_user=rw.liaison, unit=rw.authority, answered_on="2026-05-10",
                           text_of_answer="ok", rectified="", today=TODAY)
    with nothing_written(), pytest.raises(RectifyError, match="before the previous answer"):
        industry.answer_letter(letter, acting_user=rw.liaison, unit=rw.authority, answered_on="2026-05-01",
                               text_of_answer="ok", rectified="", today=TODAY)


def test_transfers_to_an_authority(rw):
    t = industry.transfer_to(acting_user=rw.supervisor, clue=rw.w.clue_in, authority=rw.authority,
                             transferred_on=timezone.localdate(rw.w.clue_in.created_at), reference="浏自然资函〔2026〕3号")
    assert t.industry == "natural_resources"
    assert Event.objects.filter(verb="rectify.transfer_to", subject_id=rw.w.clue_in.public_id).exists()
    with nothing_written(), pytest.raises(RectifyError, match="is in the future"):
        industry.transfer_to(acting_user=rw.supervisor, clue=rw.w.clue_in, authority=rw.authority,
                             transferred_on="2999-01-01")
    with nothing_written(), pytest.raises(RectifyError, match="not an industry authority"):
        industry.transfer_to(acting_user=rw.supervisor, clue=rw.w.clue_in, authority=rw.w.county,
                             transferred_on=timezone.localdate(rw.w.clue_in.created_at))


def test_a_clue_from_an_authority_enters_intake_on_its_channel(rw):
    from cluedesk.intake.models import Report

    t = industry.transfer_from(acting_user=rw.supervisor, authority=rw.authority,
                               text_of_clue="某砂场老板长期非法采砂，并雇人威胁村民。", place="湖南省长沙市浏阳市",
                               transferred_on="2026-06-01", reference="浏自然资移〔2026〕7号", today=TODAY)
    report = Report.objects.get(pk=t.report_id)
    assert report.channel == f"industry:{rw.authority.pk}"
    assert t.direction == "from" and t.clue is None  # the clue follows triage
    run_queue()
    t.refresh_from_db()
    report.refresh_from_db()
    assert t.clue is not None and t.clue == report.clue
    with nothing_written(), pytest.raises(RectifyError, match="What the clue says is required"):
        industry.transfer_from(acting_user=rw.supervisor, authority=rw.authority, text_of_clue="",
                               transferred_on="2026-06-01", today=TODAY)


def test_register_authority_refuses_other_units_and_industries(rw):
    with nothing_written(), pytest.raises(RectifyError, match="Choose an industry"):
        industry.register_authority(acting_user=rw.supervisor, unit=rw.authority, industry="fishing")
    with nothing_written(), pytest.raises(RectifyError, match="is not a unit of the type"):
        industry.register_authority(acting_user=rw.supervisor, unit=rw.w.county, industry="transport")


# --- key tasks ------------------------------------------------------------------------------------

def test_progress_counts_milestones_and_live_indicators(rw):
    task = tasks.create_task(acting_user=rw.supervisor, year=2026, number=1, title="线索核查", owner=rw.w.city,
                             today=TODAY)
    m1 = tasks.add_milestone(task, acting_user=rw.supervisor, title="Q1", due="2026-03-31")
    tasks.add_milestone(task, acting_user=rw.supervisor, title="Q2", due="2026-06-30")
    tasks.complete_milestone(m1, acting_user=rw.supervisor, done_on="2026-03-30", today=TODAY)
    ind = tasks.add_indicator(task, acting_user=rw.supervisor, metric="letters_rectified", op="ge", target="50%")
    assert ind.target == Decimal("50.00")
    p = tasks.progress(task, today=TODAY)
    assert (p.done, p.milestones, p.met, p.indicators, p.percent) == (1, 2, 0, 1, 33)   # no letter yet: not met
    letter = _letter(rw)
    industry.answer_letter(letter, acting_user=rw.liaison, unit=rw.authority, answered_on="2026-05-01",
                           text_of_answer="完成", rectified="yes", today=TODAY)
    p = tasks.progress(task, today=TODAY)
    assert p.readings[0][1] == 100.0 and (p.met, p.percent) == (1, 67)


def test_the_verification_rate_indicator_reads_the_supervision_figures(rw):
    from cluedesk.supervision.models import Fact

    Fact.objects.create(division=rw.w.city.division, month=dt.date(2026, 2, 1), level=2, dispatched=10, concluded=9)
    task = tasks.create_task(acting_user=rw.supervisor, year=2026, number=2, title="核查", owner=rw.w.city,
                             today=TODAY)
    ind = tasks.add_indicator(task, acting_user=rw.supervisor, metric=Indicator.Metric.VERIFICATION_RATE, op="ge",
                              target="90")
    assert tasks.indicator_value(ind, TODAY) == 90.0
    assert tasks.indicator_met(ind, 90.0) and not tasks.indicator_met(ind, 89.9)


def test_bad_tasks_milestones_and_indicators_are_refused(rw):
    with nothing_written(), pytest.raises(RectifyError, match="year must be between"):
        tasks.create_task(acting_user=rw.supervisor, year=1999, number=1, title="t", owner=rw.w.city, today=TODAY)
    with nothing_written(), pytest.raises(RectifyError, match="whole number"):
        tasks.create_task(acting_user=rw.supervisor, year=2026, number="x", title="t", owner=rw.w.city, today=TODAY)
    task = tasks.create_task(acting_user=rw.supervisor, year=2026, number=1, title="t", owner=rw.w.city, today=TODAY)
    with nothing_written(), pytest.raises(RectifyError, match="already has task number 1"):
        tasks.create_task(acting_user=rw.supervisor, year=2026, number=1, title="t", owner=rw.w.city, today=TODAY)
    with nothing_written(), pytest.raises(RectifyError, match="falls in 2026"):
        tasks.add_milestone(task, acting_user=rw.supervisor, title="m", due="2027-01-01")
    m = tasks.add_milestone(task, acting_user=rw.supervisor, title="m", due="2026-12-01")
    with nothing_written(), pytest.raises(RectifyError, match="in the future"):
        tasks.complete_milestone(m, acting_user=rw.supervisor, done_on="2026-07-01", today=TODAY)
    tasks.complete_milestone(m, acting_user=rw.supervisor, done_on="2026-06-01", today=TODAY)
    with nothing_written(), pytest.raises(RectifyError, match="already done"):
        tasks.complete_milestone(m, acting_user=rw.supervisor, done_on="2026-06-02", today=TODAY)
    for metric, op, target, message in [("x", "ge", "1", "Choose what"), ("case_rate", "eq", "1", "at least"),
                                        ("case_rate", "ge", "abc", "must be a number"),
                                        ("case_rate", "ge", "120", "between 0 and 100"),
                                        ("cases", "ge", "-1", "not negative")]:
        with nothing_written(), pytest.raises(RectifyError, match=message):
            tasks.add_indicator(task, acting_user=rw.supervisor, metric=metric, op=op, target=target)
