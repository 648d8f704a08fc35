"""Demo data for the registers: a few rows for the plain demo (through the services), the seeds'
figures for ``seed-demo --calibrated`` (in bulk, as imported history).

Calibrated, for the half-year that ends with ``end_month`` (the supervision dashboard's default
period), at ``scale`` 1:

* umbrella investigations: 2,257 opened in the half-year; 2,426 officials given party discipline
  or an administrative sanction in it, 226 transferred to judicial organs (plus officials still
  under investigation, who count nowhere yet);
* target fugitives: 680 targets at large when the half-year began, 150 listed during it, 712
  caught (arrested, surrendered, persuaded to return) during it → 712 / 830 = 85.8%; plus older
  targets caught before the half-year (who count nowhere) and a few deaths;
* 51 major cases listed for supervision at national level, 10 of them in prosecution review,
  prosecution or trial, the others under investigation; and the ordinary cases the fugitives
  belong to.

Rows are written with ``bulk_create``; the ledger gets one ``demo.import`` event per model naming
the id range, the row count and a SHA-256 over the rows (as ``cluedesk.demo.supervision`` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from cluedesk.cases import services
from cluedesk.cases.figures import add_months
from cluedesk.cases.models import (
    STAGE_ORDER,
    CaseStage,
    Counter,
    Fugitive,
    MajorCase,
    Official,
    Stage,
    UmbrellaCase,
)
from cluedesk.clues.models import Clue
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division, Unit
from cluedesk.org.services import create_unit

TARGET = {"umbrella_cases": 2257, "sanctioned": 2426, "transferred": 226, "pending_officials": 240,
          "fugitives_at_start": 680, "fugitives_added": 150, "caught": 712, "deceased": 6,
          "caught_before": 300, "listed_cases": 51, "listed_in_court": 10, "fugitive_cases": 320}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = ["伟", "芳", "军", "敏", "静", "磊", "洋", "勇", "刚", "杰", "涛", "明", "超", "华", "建国", "晓东", "志强",
         "国平", "海涛", "红兵", "永军", "德明", "春生", "立新"]
POSITIONS = [("派出所所长", "公安分局"), ("村党支部书记", "村委会"), ("镇党委副书记", "镇党委"),
             ("国土所所长", "自然资源局"), ("科长", "交通运输局"), ("副局长", "住房和城乡建设局"),
             ("民警", "公安局"), ("副检察长", "人民检察院"), ("审判员", "人民法院"), ("执法大队队长", "市场监督管理局")]
DISCIPLINE = ["党内警告", "党内严重警告", "撤销党内职务", "留党察看", "开除党籍"]
SANCTION = ["警告", "记过", "记大过", "降级", "撤职", "开除"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


# --- the plain demo -----------------------------------------------------------------------------

DISCIPLINE_UNITS = [("430000", "湖南省纪委监委"), ("430100", "长沙市纪委监委"), ("430600", "岳阳市纪委监委"),
                    ("440000", "广东省纪委监委"), ("440100", "广州市纪委监委")]


def seed_demo(rng: random.Random) -> list[str]:
    """Three cases, two umbrella investigations and three fugitives in the demo units, each made
    through the services (so each has its ledger events). Skipped when the demo cases exist."""
    if MajorCase.objects.filter(number__startswith="430181-").exists():
        return []
    codes = ["430181", "430626", "440113", "430100", "440100"]
    have = set(Division.objects.filter(code__in=codes).values_list("code", flat=True))
    if have != set(codes):
        return []
    actor = Actor.system("demo")
    for code, name in DISCIPLINE_UNITS:
        if not Unit.objects.filter(division_id=code, type=Unit.Type.DISCIPLINE).exists():
            create_unit(acting=actor, name=name, division=Division.objects.get(code=code), type=Unit.Type.DISCIPLINE)
    today = timezone.localdate()
    d = lambda days: today - dt.timedelta(days=days)  # noqa: E731
    div = {c: Division.objects.get(code=c) for c in codes}
    office = {c: Unit.objects.filter(division_id=c, type=Unit.Type.ANTI_GANG_OFFICE).first() for c in codes}

    clues = list(Clue.objects.filter(division_id="430181").order_by("pk")[:2])
    c1 = services.open_case(acting_user=None, division=div["430181"], title="浏阳某砂石场强揽工程、暴力垄断案",
                            opened_on=d(240), level="provincial", listed=True, listed_on=d(230),
                            units=[u for u in [office["430181"]] if u], clues=clues,
                            summary="以砂石场为依托，强揽工程、暴力排挤竞争者，涉嫌组织、领导黑社会性质组织。")
    services.start_stage(c1, acting_user=None, stage=Stage.INVESTIGATION, started_on=d(240), deadline=d(60))
    services.complete_stage(c1, acting_user=None, completed_on=d(70))
    services.start_stage(c1, acting_user=None, stage=Stage.REVIEW, started_on=d(68), deadline=d(-20))
    services.add_suspect(c1, acting_user=None, name=_name(rng), role="leader")
    services.add_suspect(c1, acting_user=None, name=_name(rng), role="member")
    try:
        services.add_suspect(c1, acting_user=None, name=_name(rng), role="member", is_reporter=True,
                             note="同时是关联线索的举报人")
    except Exception:  # noqa: BLE001, S110 - no custodian key in this data folder: skip the sealed example
        pass
    services.flag_no_umbrella(c1, acting_user=None, on=d(50))

    c2 = services.open_case(acting_user=None, division=div["430626"], title="平江某村霸欺行霸市、寻衅滋事案",
                            opened_on=d(120), level="city", units=[u for u in [office["430626"]] if u])
    services.start_stage(c2, acting_user=None, stage=Stage.INVESTIGATION, started_on=d(118), deadline=d(-30))
    services.add_suspect(c2, acting_user=None, name=_name(rng), role="leader")

    c3 = services.open_case(acting_user=None, division=div["440113"], title="番禺某“套路贷”犯罪集团案",
                            opened_on=d(400), level="national", listed=True, listed_on=d(390),
                            units=[u for u in [office["440113"]] if u])
    for stage, start, done in [(Stage.INVESTIGATION, 400, 250), (Stage.REVIEW, 249, 200),
                               (Stage.PROSECUTION, 199, 190), (Stage.TRIAL, 189, None)]:
        services.start_stage(c3, acting_user=None, stage=stage, started_on=d(start))
        if done:
            services.complete_stage(c3, acting_user=None, completed_on=d(done))
    group = [u for u in [office["440100"], Unit.objects.filter(division_id="440100",
                                                               type=Unit.Type.DISCIPLINE).first()] if u]
    if group:
        services.escalate(c3, acting_user=None, units=group, on=d(300))

    u1 = services.open_umbrella(acting_user=None, division=div["430100"], title="浏阳砂石场案背后的“保护伞”问题",
                                opened_on=d(45), handling_unit=Unit.objects.filter(
                                    division_id="430100", type=Unit.Type.DISCIPLINE).first(),
                                cases=[c1], clues=clues[:1])
    o1 = services.add_official(u1, acting_user=None, name=_name(rng), position="派出所所长", organisation="浏阳市公安局",
                               division=div["430181"])
    services.record_outcome(o1, acting_user=None, kind="discipline", on=d(20), detail="开除党籍")
    services.record_outcome(o1, acting_user=None, kind="transfer", on=d(15))
    o2 = services.add_official(u1, acting_user=None, name=_name(rng), position="国土所所长", organisation="某镇国土所",
                               division=div["430181"])
    services.record_outcome(o2, acting_user=None, kind="sanction", on=d(10), detail="记大过")
    u2 = services.open_umbrella(acting_user=None, division=div["440113"], title="番禺“套路贷”案涉嫌充当“保护伞”问题",
                                opened_on=d(200), cases=[c3])
    services.add_official(u2, acting_user=None, name=_name(rng), position="审判员", organisation="某区人民法院")

    f1 = services.list_fugitive(acting_user=None, case=c1, name=_name(rng), at_large_since=d(230), listed_on=d(225),
                                sex="m", birth_year=1979, residence="湖南省浏阳市", household="湖南省浏阳市")
    services.change_status(f1, acting_user=None, status="arrested", on=d(90))
    services.list_fugitive(acting_user=None, case=c1, name=_name(rng), at_large_since=d(230), listed_on=d(225),
                           sex="m", birth_year=1985, residence="不详（疑在境外）", household="湖南省长沙市", abroad=True)
    f3 = services.list_fugitive(acting_user=None, case=c3, name=_name(rng), at_large_since=d(380), listed_on=d(370),
                                sex="f", birth_year=1990, residence="广东省广州市", household="广东省广州市番禺区")
    services.change_status(f3, acting_user=None, status="persuaded", on=d(30))
    return ["Registers: 3 major cases (2 listed), 2 umbrella investigations, 3 target fugitives "
            "(see /staff/cases/)."]


# --- the calibrated half-year -------------------------------------------------------------------

def _digest(rows: list[tuple[Any, ...]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(repr(row).encode())
    return h.hexdigest()


def _bulk(model: type[models.Model], objs: list[Any], key: Any) -> list[Any]:
    made = model.objects.bulk_create(objs, batch_size=1000)  # type: ignore[attr-defined]
    if made and made[0].pk is None:  # backends that do not return ids
        got = list(model.objects.order_by("-pk").values_list("pk", flat=True)[:len(made)])[::-1]  # type: ignore[attr-defined]
        for obj, pk in zip(made, got, strict=True):
            obj.pk = pk
    if made:
        label = model._meta.label
        record("demo.import", actor=Actor.system("seed-demo"), subject_type="import",
               subject_id=f"{label}:{made[0].pk}-{made[-1].pk}",
               data={"model": label, "first_id": made[0].pk, "last_id": made[-1].pk, "count": len(made),
                     "sha256": _digest([key(o) for o in made]),
                     "note": "calibrated demo data imported in bulk (not through the per-row services)"})
    return made


class _Numbers:
    """Register numbers for bulk rows, continuing the counters; saved at the end."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str, int], int] = {}

    def next(self, kind: str, code: str, year: int) -> str:
        key = (kind, code, year)
        if key not in self.last:
            row = Counter.objects.filter(kind=kind, division_id=code, year=year).first()
            self.last[key] = row.last if row else 0
        self.last[key] += 1
        return f"{code}-{year}-{services.PREFIX[kind]}{self.last[key]:04d}"

    def save(self) -> None:
        for (kind, code, year), last in self.last.items():
            Counter.objects.update_or_create(kind=kind, division_id=code, year=year, defaults={"last": last})


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A day in [lo, hi] (inclusive)."""
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def seed_calibrated(*, seed: int, scale: float, end_month: dt.date) -> str | None:
    rng = random.Random(seed + 8)  # noqa: S311 - demo data
    n = {k: round(v * scale) for k, v in TARGET.items()}
    first = add_months(end_month, -5)
    lo = first
    today = timezone.localdate()
    hi = min(add_months(end_month, 1) - dt.timedelta(days=1), today)  # last day of the half-year
    counties = list(Division.objects.filter(level=Division.Level.COUNTY).values_list("code", "path"))
    if not counties:
        return None
    now = timezone.now()
    numbers = _Numbers()
    with transaction.atomic():
        # major cases: the listed ones (national level) and the ordinary cases of the fugitives
        cases: list[MajorCase] = []
        listed_plan = []
        for i in range(n["listed_cases"]):
            code, _path = rng.choice(counties)
            opened = _day(rng, lo - dt.timedelta(days=400), hi - dt.timedelta(days=30))
            listed_on = min(opened + dt.timedelta(days=rng.randint(0, 20)), hi)
            cases.append(MajorCase(number=numbers.next("case", code, opened.year), title=f"挂牌督办涉黑案件（导入）{i + 1}",
                                   division_id=code, opened_on=opened, level="national", listed=True,
                                   listed_on=listed_on, created_at=now, updated_at=now))
            listed_plan.append(i < n["listed_in_court"])
        for i in range(n["fugitive_cases"]):
            code, _path = rng.choice(counties)
            opened = _day(rng, lo - dt.timedelta(days=1500), lo - dt.timedelta(days=60))
            cases.append(MajorCase(number=numbers.next("case", code, opened.year), title=f"涉黑涉恶案件（导入）{i + 1}",
                                   division_id=code, opened_on=opened, level=rng.choice(["city", "provincial"]),
                                   created_at=now, updated_at=now))
        cases = _bulk(MajorCase, cases, lambda c: (c.pk, c.number, c.division_id, c.opened_on.isoformat(), c.listed))
        stages = []
        for case, in_court in zip(cases, listed_plan, strict=False):
            steps = STAGE_ORDER[:rng.choice([2, 3, 4])] if in_court else STAGE_ORDER[:1]
            start = case.opened_on
            for j, stage in enumerate(steps):
                last = j == len(steps) - 1
                done = None if last else min(start + dt.timedelta(days=rng.randint(20, 90)), hi)
                stages.append(CaseStage(case=case, stage=stage, position=STAGE_ORDER.index(stage), started_on=start,
                                        deadline=start + dt.timedelta(days=120), completed_on=done))
                start = done or start
        _bulk(CaseStage, stages, lambda s: (s.case_id, s.stage, s.started_on.isoformat()))
        ordinary = cases[n["listed_cases"]:] or cases

        # umbrella investigations in the half-year, each with one or more officials
        invs = []
        for i in range(n["umbrella_cases"]):
            code, path = rng.choice(counties)
            opened = _day(rng, lo, hi - dt.timedelta(days=10))
            invs.append(UmbrellaCase(number=numbers.next("umbrella", code, opened.year),
                                     title=f"涉黑腐败和“保护伞”问题（导入）{i + 1}", division_id=code, opened_on=opened,
                                     created_at=now))
        invs = _bulk(UmbrellaCase, invs, lambda u: (u.pk, u.number, u.division_id, u.opened_on.isoformat()))
        n_officials = n["sanctioned"] + n["pending_officials"]
        owners = list(invs) + [rng.choice(invs) for _ in range(max(0, n_officials - len(invs)))] if invs else []
        rng.shuffle(owners)
        transferred = set(rng.sample(range(n["sanctioned"]), min(n["transferred"], n["sanctioned"])))
        officials = []
        for i, inv in enumerate(owners[:n_officials]):
            position, organisation = rng.choice(POSITIONS)
            o = Official(case=inv, name=_name(rng), position=position, organisation=organisation,
                         division_id=inv.division_id)
            if i < n["sanctioned"]:
                when = _day(rng, inv.opened_on, hi)
                if rng.random() < 0.8:
                    o.discipline_on, o.discipline = when, rng.choice(DISCIPLINE)
                    if rng.random() < 0.4:
                        o.sanction_on, o.sanction = _day(rng, when, hi), rng.choice(SANCTION)
                else:
                    o.sanction_on, o.sanction = when, rng.choice(SANCTION)
                if i in transferred:
                    o.transferred_on = _day(rng, when, hi)
            officials.append(o)
        _bulk(Official, officials, lambda o: (o.case_id, o.name, o.discipline_on, o.sanction_on, o.transferred_on))

        # target fugitives
        people = []

        def person(listed_on: dt.date, status: str = "at_large", status_on: dt.date | None = None) -> Fugitive:
            case = rng.choice(ordinary)
            since = min(listed_on, max(case.opened_on, listed_on - dt.timedelta(days=rng.randint(0, 200))))
            return Fugitive(number=numbers.next("fugitive", case.division_id, listed_on.year), case=case,
                            division_id=case.division_id, name=_name(rng), sex=rng.choice("mmmmf"),
                            birth_year=rng.randint(1955, 2000), at_large_since=since, listed_on=listed_on,
                            abroad=rng.random() < 0.12, status=status, status_on=status_on, created_at=now)

        before = lo - dt.timedelta(days=1)
        at_start = [person(_day(rng, lo - dt.timedelta(days=900), before)) for _ in range(n["fugitives_at_start"])]
        added = [person(_day(rng, lo, hi - dt.timedelta(days=5))) for _ in range(n["fugitives_added"])]
        pool = at_start + added
        rng.shuffle(pool)
        for p in pool[:n["caught"]]:
            p.status = rng.choices(["arrested", "surrendered", "persuaded"], [70, 20, 10])[0]
            p.status_on = _day(rng, max(p.listed_on, lo), hi)
        for p in pool[n["caught"]:n["caught"] + n["deceased"]]:
            p.status, p.status_on = "deceased", _day(rng, max(p.listed_on, lo), hi)
        people += pool
        for _ in range(n["caught_before"]):  # caught before the half-year: not targets any more
            listed = _day(rng, lo - dt.timedelta(days=1200), lo - dt.timedelta(days=60))
            people.append(person(listed, "arrested", _day(rng, listed, before)))
        _bulk(Fugitive, people, lambda p: (p.number, p.case_id, p.listed_on.isoformat(), p.status, p.status_on))
        numbers.save()
    return (f"registers (cases): {len(cases)} major cases ({n['listed_cases']} listed), {len(invs)} umbrella "
            f"investigations, {len(officials)} officials ({n['sanctioned']} sanctioned, {n['transferred']} transferred), "
            f"{len(people)} fugitives ({n['fugitives_at_start']} + {n['fugitives_added']} targets, {n['caught']} caught)")


__all__ = ["seed_demo", "seed_calibrated"]
