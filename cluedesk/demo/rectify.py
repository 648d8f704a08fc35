"""Demo data for this register: a few rows for the plain demo, the seeds' figures for --calibrated.

``seed_demo(rng)`` adds, in the demo units of cluedesk.demo.org, two industry authorities with a
liaison each, a procuratorate, an inspection round with its problem list, letters with feedback and
the year's key tasks — all through the services, so each row has its ledger event.

``seed_calibrated(seed, scale, end_month)`` bulk-loads, as imported history over the calibrated
half-year: a national special-supervision round whose 402 problem items are all verified rectified,
8,177 "three letters and one letter" sent to the authorities of the four major industries in every
province, 89.7% of them rectified (the seeds: "nearly 90%"), and the year's ten key tasks.
Counts are multiplied by ``scale``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import ROOT_CODE, Division, Role, Unit
from cluedesk.org.services import add_staff_member, create_unit
from cluedesk.rectify import industry, services, tasks
from cluedesk.rectify.models import (
    Feedback,
    Indicator,
    IndustryAuthority,
    KeyTask,
    Letter,
    Milestone,
    ProblemItem,
)
from cluedesk.supervision import rounds
from cluedesk.supervision.models import InspectionRound

ITEMS = 402
LETTERS = 8177
RECTIFIED_SHARE = 0.897
ANSWERED_SHARE_OF_REST = 0.6
CALIBRATED_ROUND = "第三批特派督导（导入）"
FOUR_INDUSTRIES = [
    ("information_network", "通信管理局"),
    ("natural_resources", "自然资源厅"),
    ("transport", "交通运输厅"),
    ("construction", "住房和城乡建设厅"),
]
KINDS = [(Letter.Kind.PROCURATORIAL, Unit.Type.PROCURATORATE, "人民检察院", "检建"),
         (Letter.Kind.JUDICIAL, Unit.Type.COURT, "高级人民法院", "司建"),
         (Letter.Kind.SUPERVISORY, Unit.Type.DISCIPLINE, "纪委监委", "监建"),
         (Letter.Kind.SUPERVISION_LETTER, Unit.Type.ANTI_GANG_OFFICE, "扫黑办", "督办")]
KIND_WEIGHTS = [0.38, 0.17, 0.25, 0.20]
TEN_TASKS = [
    "反有组织犯罪法宣传贯彻", "行业领域整治", "打击涉网黑恶犯罪", "追逃“漏网之鱼”", "线索核查",
    "重大案件攻坚", "重点地区整治", "特派督导问题整改", "基层组织建设", "长效机制建设",
]
PROBLEMS = ["线索核查不深不实，部分线索“以转代查”", "涉黑涉恶案件“打伞破网”同步推进不够",
            "行业监管存在漏洞，信息共享机制不健全", "逃犯追捕责任未落实到人", "群众反映强烈的问题未及时回应"]
ISSUES = ["非法采砂屡禁不止，监管责任落实不到位", "工程建设领域围标串标、强揽工程问题突出",
          "客运市场存在强迫交易、欺行霸市现象", "网络平台“套路贷”广告审核把关不严"]


def _ensure_unit(name: str, division_id: str, type: str, parent: Unit | None, actor: Actor) -> Unit:
    unit = Unit.objects.filter(name=name, division_id=division_id).first()
    if unit is None:
        unit = create_unit(acting=actor, name=name, division=Division.objects.get(code=division_id), type=type,
                           parent=parent)
    return unit


# --- the plain demo ---------------------------------------------------------------------------

def seed_demo(rng: random.Random) -> list[str]:
    User = get_user_model()
    hunan = Unit.objects.filter(name="湖南省扫黑办").first()
    changsha = Unit.objects.filter(name="长沙市扫黑办").first()
    liuyang = Unit.objects.filter(name="浏阳市扫黑办").first()
    supervisor = User.objects.filter(username="hunan-supervisor").first()
    admin = User.objects.filter(username="changsha-admin").first()
    liuyang_admin = User.objects.filter(username="liuyang-admin").first()
    if not (hunan and changsha and liuyang and supervisor and admin and liuyang_admin):
        return []
    if IndustryAuthority.objects.filter(unit__name="湖南省自然资源厅").exists():
        return ["rectify: demo registers already loaded"]
    actor = Actor.system("demo")
    today = timezone.localdate()
    lines = ["", "Rectification registers (/staff/rectify/): industry liaisons"]
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    with transaction.atomic():
        natres = _ensure_unit("湖南省自然资源厅", "430000", Unit.Type.INDUSTRY, None, actor)
        build = _ensure_unit("长沙市住房和城乡建设局", "430100", Unit.Type.INDUSTRY, None, actor)
        procuratorate = _ensure_unit("长沙市人民检察院", "430100", Unit.Type.PROCURATORATE, None, actor)
        industry.register_authority(acting_user=supervisor, unit=natres, industry="natural_resources")
        industry.register_authority(acting_user=supervisor, unit=build, industry="construction")
        liaisons = {}
        for username, unit in (("hunan-natres-liaison", natres), ("changsha-build-liaison", build)):
            password = "".join(rng.choice(alphabet) for _ in range(16))
            user = User.objects.filter(username=username).first()
            if user is None:
                user, _pw = add_staff_member(acting_user=None, unit=unit, username=username, full_name="王建华",
                                             roles=[Role.INDUSTRY_LIAISON], actor=actor, password=password)
                lines.append(f"{username:24} {password:18} industry_liaison   {unit.name}")
            liaisons[unit.pk] = user

        # a round of special supervision and its problem list
        r = rounds.create_round(user=supervisor, name="湖南省第三批特派督导", division=hunan.division,
                                starts=today - dt.timedelta(days=75), ends=today - dt.timedelta(days=60))
        owners = [changsha, liuyang, changsha, liuyang, changsha]
        made = []
        for i, owner in enumerate(owners):
            made.append(services.add_item(acting_user=supervisor, round=r, owner=owner, problem=PROBLEMS[i],
                                          measures="建立台账，逐条整改，按期报送整改材料。",
                                          time_limit=today + dt.timedelta(days=30 - 20 * (i % 3))))
        services.start_item(made[0], acting_user=admin)
        services.submit_evidence(made[0], acting_user=admin, unit=changsha, note="已完成线索复核 36 条，建立核查质量回访制度。")
        services.verify_item(made[0], acting_user=supervisor)
        services.submit_evidence(made[2], acting_user=admin, unit=changsha, note="已与纪委监委建立线索双向移送机制。")
        services.start_item(made[1], acting_user=liuyang_admin)

        # letters to the two authorities, one answered and rectified, one answered, one waiting
        plan = [(Letter.Kind.PROCURATORIAL, procuratorate, natres, ISSUES[0], 70, "rectified"),
                (Letter.Kind.SUPERVISION_LETTER, changsha, build, ISSUES[1], 50, "answered"),
                (Letter.Kind.SUPERVISION_LETTER, hunan, natres, ISSUES[0], 20, "")]
        for n, (kind, issuer, recipient, issue, ago, outcome) in enumerate(plan, start=1):
            letter = industry.issue_letter(acting_user=supervisor, kind=kind, issuer=issuer, recipient=recipient,
                                           number=f"{today.year}-{n:03d}", issue=issue,
                                           issued_on=today - dt.timedelta(days=ago),
                                           deadline=today - dt.timedelta(days=ago - 60))
            if outcome:
                industry.answer_letter(letter, acting_user=liaisons[recipient.pk], unit=recipient,
                                       answered_on=today - dt.timedelta(days=ago - 25),
                                       text_of_answer="已开展专项整治，建立长效监管机制。",
                                       rectified=outcome == "rectified")

        # the year's key tasks of the province
        for n, title in enumerate(TEN_TASKS[:4], start=1):
            task = tasks.create_task(acting_user=supervisor, year=today.year, number=n, title=title, owner=hunan)
            for k, month in enumerate((3, 6, 9, 12)):
                m = tasks.add_milestone(task, acting_user=supervisor, title=f"第{k + 1}季度节点",
                                        due=dt.date(today.year, month, 28))
                if m.due < today and (n + k) % 3:
                    tasks.complete_milestone(m, acting_user=supervisor, done_on=m.due)
            if n in (2, 5):
                tasks.add_indicator(task, acting_user=supervisor, metric="letters_rectified", op="ge", target="90")
            if n == 1:
                tasks.add_indicator(task, acting_user=supervisor, metric="verification_rate", op="ge", target="90")
            if n == 4:
                tasks.add_indicator(task, acting_user=supervisor, metric="items_verified", op="ge", target="100")
    lines.append("rectify: 1 round with 5 problem items, 3 letters, 4 key tasks in 湖南省")
    return lines


# --- the calibrated half-year -------------------------------------------------------------------

def _months(end_month: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(end_month.year + (end_month.month - 6) // 12, (end_month.month - 6) % 12 + 1, 1)
    last = dt.date(end_month.year + (end_month.month == 12), end_month.month % 12 + 1, 1) - dt.timedelta(days=1)
    return first, last


def _authorities(provinces: list[Division], national: Unit) -> dict[str, list[Unit]]:
    """The four major industries' authorities in every province (created once, in bulk)."""
    out: dict[str, list[Unit]] = {code: [] for code, _n in FOUR_INDUSTRIES}
    have = {(u.division_id, u.name): u for u in Unit.objects.filter(type=Unit.Type.INDUSTRY,
                                                                     division__level=Division.Level.PROVINCE)}
    new_units = []
    for p in provinces:
        for _code, suffix in FOUR_INDUSTRIES:
            name = f"{p.name}{suffix}"
            if (p.code, name) not in have:
                new_units.append(Unit(name=name, division=p, type=Unit.Type.INDUSTRY))
    Unit.objects.bulk_create(new_units, batch_size=500)
    units = {(u.division_id, u.name): u for u in Unit.objects.filter(type=Unit.Type.INDUSTRY,
                                                                      division__level=Division.Level.PROVINCE)}
    profiles = []
    for p in provinces:
        for code, suffix in FOUR_INDUSTRIES:
            u = units[(p.code, f"{p.name}{suffix}")]
            out[code].append(u)
            profiles.append(IndustryAuthority(unit=u, industry=code))
    IndustryAuthority.objects.bulk_create(profiles, batch_size=500, ignore_conflicts=True)
    return out


def _issuers(provinces: list[Division]) -> dict[tuple[str, str], Unit]:
    """Per province and letter kind, the issuing unit (the province's office for 督办函)."""
    out: dict[tuple[str, str], Unit] = {}
    have = {(u.division_id, u.type): u for u in Unit.objects.filter(division__in=provinces, active=True)
            .order_by("-pk")}
    new_units = []
    for p in provinces:
        for _kind, type_, suffix, _abbr in KINDS:
            if (p.code, type_) not in have:
                new_units.append(Unit(name=f"{p.name}{suffix}", division=p, type=type_))
    Unit.objects.bulk_create(new_units, batch_size=500)
    have = {(u.division_id, u.type): u for u in Unit.objects.filter(division__in=provinces, active=True)
            .order_by("-pk")}
    for p in provinces:
        for kind, type_, _suffix, _abbr in KINDS:
            out[(p.code, kind)] = have[(p.code, type_)]
    return out


def seed_calibrated(*, seed: int, scale: float, end_month: dt.date) -> str | None:
    rng = random.Random(seed + 8)  # noqa: S311 - demo data
    if ProblemItem.objects.filter(round__name=CALIBRATED_ROUND).exists():
        return "rectify: calibrated registers already loaded"
    first, last = _months(end_month)
    today = timezone.localdate()
    last = min(last, today)
    provinces = list(Division.objects.filter(level=Division.Level.PROVINCE).order_by("code"))
    if not provinces:
        return None
    national = Unit.objects.filter(division_id=ROOT_CODE, active=True).order_by("pk").first()
    if national is None:
        national = Unit.objects.create(name="全国扫黑办（演示）", division_id=ROOT_CODE)
    User = get_user_model()
    importer = User.objects.filter(username="calibrated-import").first()
    if importer is None:
        importer = User.objects.create_user(username="calibrated-import", password=None, is_active=False,
                                            first_name="imported history")
    n_items = max(1, round(ITEMS * scale))
    n_letters = max(1, round(LETTERS * scale))
    n_rectified = round(n_letters * RECTIFIED_SHARE)
    n_answered = n_rectified + round((n_letters - n_rectified) * ANSWERED_SHARE_OF_REST)
    now = timezone.now()
    span = max(1, (last - first).days)
    with transaction.atomic():
        offices = {u.division_id: u for u in Unit.objects.filter(division__in=provinces,
                                                                  type=Unit.Type.ANTI_GANG_OFFICE, active=True)}
        for p in provinces:
            if p.code not in offices:
                offices[p.code] = Unit.objects.create(name=f"{p.name}扫黑办", division=p, parent=national)
        starts = first + dt.timedelta(days=10)
        rnd = InspectionRound.objects.create(name=CALIBRATED_ROUND, division_id=ROOT_CODE, starts=starts,
                                             ends=starts + dt.timedelta(days=30), created_by=importer, created_at=now)
        S = ProblemItem.Status
        items = []
        for n in range(1, n_items + 1):
            p = provinces[(n - 1) % len(provinces)]
            limit = starts + dt.timedelta(days=rng.randint(45, 120))
            done_at = timezone.make_aware(dt.datetime.combine(min(limit, today), dt.time(10)))
            items.append(ProblemItem(round=rnd, number=n, owner=offices[p.code], problem=rng.choice(PROBLEMS),
                                     measures="逐条建立整改台账，明确责任人和时限。", time_limit=limit,
                                     status=S.VERIFIED, submitted_at=done_at, verified_at=done_at,
                                     created_by=importer, created_at=now))
        ProblemItem.objects.bulk_create(items, batch_size=1000)

        authorities = _authorities(provinces, national)
        issuers = _issuers(provinces)
        codes = [code for code, _n in FOUR_INDUSTRIES]
        order = list(range(n_letters))
        rng.shuffle(order)
        rectified_set = set(order[:n_rectified])
        answered_set = set(order[:n_answered])
        letters = []
        counters: dict[tuple[int, str], int] = {}
        for i in range(n_letters):
            code = codes[rng.choices(range(4), weights=[0.3, 0.25, 0.2, 0.25])[0]]
            recipient = rng.choice(authorities[code])
            kind = rng.choices([k[0] for k in KINDS], weights=KIND_WEIGHTS)[0]
            issuer = issuers[(recipient.division_id, kind)]
            issued = first + dt.timedelta(days=rng.randint(0, span))
            abbr = next(a for k, _t, _s, a in KINDS if k == kind)
            counters[(issuer.pk, kind)] = counters.get((issuer.pk, kind), 0) + 1
            status, answered_on, rectified_on = Letter.Status.ISSUED, None, None
            if i in answered_set:
                answered_on = min(issued + dt.timedelta(days=rng.randint(10, 50)), today)
                status = Letter.Status.ANSWERED
                if i in rectified_set:
                    status, rectified_on = Letter.Status.RECTIFIED, answered_on
            letters.append(Letter(number=f"{abbr}〔{issued.year}〕{counters[(issuer.pk, kind)]}号", kind=kind,
                                  issuer=issuer, recipient=recipient, industry=code, issue=rng.choice(ISSUES),
                                  issued_on=issued, deadline=issued + dt.timedelta(days=60), status=status,
                                  answered_on=answered_on, rectified_on=rectified_on, created_by=importer,
                                  created_at=now))
        Letter.objects.bulk_create(letters, batch_size=1000)
        feedback = [Feedback(letter=x, unit_id=x.recipient_id, answered_on=x.answered_on or first, text="已按建议开展整改。",
                             rectified=x.status == Letter.Status.RECTIFIED, recorded_at=now)
                    for x in Letter.objects.filter(created_at=now, answered_on__isnull=False).only(
                        "pk", "recipient_id", "answered_on", "status")]
        Feedback.objects.bulk_create(feedback, batch_size=1000)

        year = end_month.year
        if not KeyTask.objects.filter(owner=national, year=year).exists():
            for n, title in enumerate(TEN_TASKS, start=1):
                task = KeyTask.objects.create(year=year, number=n, title=title, owner=national, created_by=importer,
                                              created_at=now)
                Milestone.objects.bulk_create([
                    Milestone(task=task, title=f"第{q}季度节点", due=dt.date(year, 3 * q, 28),
                              done_on=dt.date(year, 3 * q, 28) if dt.date(year, 3 * q, 28) <= today and rng.random() < 0.85 else None)
                    for q in (1, 2, 3, 4)])
            key_tasks = {t.number: t for t in KeyTask.objects.filter(owner=national, year=year)}
            Indicator.objects.bulk_create([
                Indicator(task=key_tasks[2], metric=Indicator.Metric.LETTERS_RECTIFIED, op="ge", target=85),
                Indicator(task=key_tasks[5], metric=Indicator.Metric.VERIFICATION_RATE, op="ge", target=90),
                Indicator(task=key_tasks[5], metric=Indicator.Metric.CASE_RATE, op="ge", target=10),
                Indicator(task=key_tasks[8], metric=Indicator.Metric.ITEMS_VERIFIED, op="ge", target=100),
            ])
        record("rectify.calibrated_import", actor=Actor.system("seed-demo"), subject_type="rectify", subject_id="",
               data={"items": n_items, "letters": n_letters, "rectified": n_rectified, "answered": n_answered,
                     "from": str(first), "to": str(last)})
    return (f"rectify: {n_items} special-supervision items (all verified rectified), {n_letters} letters "
            f"({n_rectified} rectified, {n_rectified / n_letters * 100:.1f}%) to "
            f"{len(provinces) * 4} industry authorities, 10 key tasks for {end_month.year}")


def describe(_: Any = None) -> str:
    return __doc__ or ""
