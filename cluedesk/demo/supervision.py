"""`seed-demo --calibrated`: half a year of national data shaped like the published figures —
about 100,000 reports, 5,100 valid clues all dispatched, 2,333 concluded of which 357 opened a
criminal case (case rate 15.3%) — made fast with ``bulk_create``.

This is *imported history*, not activity: the rows are written directly (not through the
per-report services), and the ledger gets one ``demo.import`` event per batch naming the model,
the id range, the row count and a SHA-256 over the batch's rows, so the chain stays valid and
says exactly what was loaded in bulk. No signatures, notes or reporter identities are made.
The dashboard and bulletins then compute every figure from these rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from cluedesk.clues import search
from cluedesk.clues.models import Assignment, Clue, Conclusion
from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import ROOT_CODE, Division, Unit
from cluedesk.supervision.stats import add_months

S = Clue.State

TARGET = {"reports": 100_000, "valid": 5_100, "concluded": 2_333, "cases": 357}
CATEGORIES = ["market_control", "resources", "illegal_lending", "violence", "gambling_drugs", "umbrella", "other"]
BATCH = 5000
TIPS = "tips_dev.jsonl"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
TAILS = ["", "", "希望有关部门尽快查处。", "请领导重视，群众敢怒不敢言。", "我怕被报复，不敢实名。", "这事已经好几年了。",
         "村里很多人都知道，但没人敢说。", "听说他们上面有人。"]
WHEN = ["", "去年", "上个月", "今年春节前后", "2025年夏天", "最近半年", "好几年了", "前天晚上"]
PLACES = ["村", "镇", "街道", "社区", "开发区", "市场", "工地", "码头"]


def _tip_source() -> list[str]:
    """Report texts from the evaluation set (shared/eval/tips_dev.jsonl), or a few built-in ones."""
    for folder in (Path(settings.BASE_DIR).parent / "shared" / "eval", Path(settings.BASE_DIR).parent.parent / "shared"
                   / "eval"):
        path = folder / TIPS
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                return [t for t in (json.loads(line).get("text", "") for line in fh if line.strip()) if len(t) >= 20]
    # without the evaluation set (a clone on its own): who × what, every one a plausible tip
    actors = ["某村村主任的亲戚", "某镇一伙社会人员", "一家小额贷款公司", "某公司老板带着一帮人", "外地来的几个人",
              "某村的宗族势力", "开发区一个包工头", "市场里一伙人"]
    acts = ["长期开设赌场，放高利贷并暴力催收，村民敢怒不敢言。", "强揽工程，殴打不服从的村民，有干部收钱包庇。",
            "非法采砂，夜里用船运走，河道被挖得不成样子。", "暴力讨债，把人关起来逼写欠条，还威胁家里人。",
            "垄断菜市场摊位，不交保护费就砸摊子赶人走。", "在网上设局诈骗，骗了很多老人的养老钱。",
            "贩卖毒品，在出租屋里聚众吸毒，派出所一直没管。", "霸占集体土地，逼村民低价转让承包地。"]
    return [a + b for a in actors for b in acts]


class TextMaker:
    """Realistic report text: a real tip with random edits (names, a dropped clause, a place, a tail)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tips = _tip_source()

    def text(self, county: Division) -> str:
        rng = self.rng
        text = rng.choice(self.tips)
        clauses = text.split("，")
        if len(clauses) > 3 and rng.random() < 0.5:
            del clauses[rng.randrange(1, len(clauses))]
        text = "，".join(clauses)
        text = "".join(rng.choice(SURNAMES) if ch == "某" and rng.random() < 0.3 else ch for ch in text)
        if rng.random() < 0.6:
            text = f"{county.name}{rng.choice(SURNAMES)}家{rng.choice(PLACES)}：{text}"
        text = (text + rng.choice(TAILS))[:2000]
        return text

    def who(self) -> str:
        return "" if self.rng.random() < 0.5 else f"{self.rng.choice(SURNAMES)}某某"

    def when(self) -> str:
        return self.rng.choice(WHEN)


def _insert(model: type[models.Model], objs: list[Any]) -> list[Any]:
    """Insert many rows: COPY on PostgreSQL (ids reserved from the table's sequence first, so the
    caller can point other rows at them), ``bulk_create`` in batches elsewhere."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs, batch_size=1000)
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, pk.column, len(objs)])
        for obj, (pk_value,) in zip(objs, cur.fetchall(), strict=True):
            setattr(obj, pk.attname, pk_value)
        cols = ", ".join(quote(str(f.column)) for f in fields)
        raw: Any = cur.cursor  # the driver's cursor: psycopg 3's COPY
        with raw.copy(f"COPY {quote(str(meta.db_table))} ({cols}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"
    return objs


@contextmanager
def explicit_timestamps(*model_fields: tuple[type[models.Model], str]) -> Iterator[None]:
    """Let bulk_create keep the timestamps we set (auto_now / auto_now_add would overwrite them)."""
    saved = []
    for model, name in model_fields:
        f: Any = model._meta.get_field(name)
        saved.append((f, f.auto_now, f.auto_now_add))
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _digest(rows: list[tuple[Any, ...]]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(repr(row).encode())
    return h.hexdigest()


def _ledger(model: str, first: int, last: int, count: int, digest: str) -> None:
    record("demo.import", actor=Actor.system("seed-demo"), subject_type="import", subject_id=f"{model}:{first}-{last}",
           data={"model": model, "first_id": first, "last_id": last, "count": count, "sha256": digest,
                 "note": "calibrated demo data imported in bulk (not through the per-report services)"})


@dataclass
class Result:
    reports: int
    clues: int
    valid: int
    concluded: int
    cases: int
    first_month: dt.date
    last_month: dt.date


def _counties(rng: random.Random) -> tuple[list[Division], list[float]]:
    counties = list(Division.objects.filter(level=Division.Level.COUNTY).only("code", "path", "parent_id"))
    if not counties:
        raise RuntimeError("no counties: load the divisions first (cluedesk load-divisions)")
    # provinces differ: a weight per province, and per county within it
    provinces = sorted({c.path.split("/")[1] for c in counties})
    pweight = {p: rng.uniform(0.3, 2.0) for p in provinces}
    weights = [pweight[c.path.split("/")[1]] * rng.uniform(0.2, 1.8) for c in counties]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return counties, cumulative


def _units_for(counties: list[Division]) -> dict[str, Unit]:
    """An office per province (reused if one exists), to hold assignments and conclusions."""
    codes = sorted({c.path.split("/")[1] for c in counties})
    existing = {u.division_id: u for u in Unit.objects.filter(division_id__in=codes, active=True).order_by("-pk")}
    nation = Unit.objects.filter(division_id=ROOT_CODE, active=True).first()
    if nation is None:
        nation = Unit.objects.create(name="全国扫黑办（演示）", division_id=ROOT_CODE)
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    out = {}
    for code in codes:
        out[code] = existing.get(code) or Unit.objects.create(name=f"{names[code]}扫黑办", division_id=code,
                                                              parent=nation)
    return out


def seed_calibrated(*, seed: int = 2026, scale: float = 1.0, end_month: dt.date | None = None,
                    with_reports: bool = True, progress: Any = None, n_reports: int | None = None,
                    realistic_text: bool = False) -> Result:
    """``n_reports``: exactly this many reports (the other counts scaled to match); with
    ``realistic_text`` every report gets a real tip's text with random edits, a place, a when and
    a who (``seed-demo --reports N``), and the clue its first report's text for search."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    if n_reports is not None:
        scale = n_reports / TARGET["reports"]
    maker = TextMaker(random.Random(seed + 1)) if realistic_text else None  # noqa: S311
    if not Division.objects.filter(level=Division.Level.COUNTY).exists():
        call_command("load-divisions", verbosity=0)
    now = timezone.now()
    last_month = end_month or add_months(dt.date(timezone.localtime(now).year, timezone.localtime(now).month, 1), -1)
    first_month = add_months(last_month, -5)
    start = timezone.make_aware(dt.datetime.combine(first_month, dt.time()))
    end = min(timezone.make_aware(dt.datetime.combine(add_months(last_month, 1), dt.time())), now)
    span = (end - start).total_seconds()

    n_reports = n_reports if n_reports is not None else round(TARGET["reports"] * scale)
    n_valid = round(TARGET["valid"] * scale)
    n_concluded = round(TARGET["concluded"] * scale)
    n_cases = round(TARGET["cases"] * scale)
    counties, weights = _counties(rng)
    units = _units_for(counties)
    User = get_user_model()
    importer = User.objects.filter(username="calibrated-import").first()
    if importer is None:
        importer = User.objects.create_user(username="calibrated-import", password=None, is_active=False,
                                            first_name="imported history")

    # Valid clues take 1–6 reports (mean ≈ 1.6); the others (invalid or out of scope) 1–2.
    valid_reports = [min(6, 1 + int(rng.expovariate(1.6))) for _ in range(n_valid)]
    rest = n_reports - sum(valid_reports)
    other_reports: list[int] = []
    while rest > 0:
        k = min(rest, 2 if rng.random() < 0.08 else 1)
        other_reports.append(k)
        rest -= k
    if not with_reports:
        pass
    plan: list[tuple[bool, int]] = [(True, k) for k in valid_reports] + [(False, k) for k in other_reports]
    rng.shuffle(plan)
    valid_idx = [i for i, (v, _k) in enumerate(plan) if v]
    concluded_set = set(rng.sample(valid_idx, n_concluded))
    case_set = set(rng.sample(sorted(concluded_set), n_cases))
    umbrella_set = set(rng.sample(valid_idx, round(len(valid_idx) * 0.06)))

    clues_made = 0
    with explicit_timestamps((Clue, "created_at"), (Clue, "updated_at")):
        for b in range(0, len(plan), BATCH):
            chunk = plan[b:b + BATCH]
            with transaction.atomic():
                clues = []
                meta = []
                texts: list[list[str]] = []
                for offset, (valid, k) in enumerate(chunk):
                    i = b + offset
                    county = rng.choices(counties, cum_weights=weights)[0]
                    created = start + dt.timedelta(seconds=rng.random() * span * 0.98)
                    state, concluded_at, deadline, unit = (S.INVALID if rng.random() < 0.7 else S.TRANSFERRED), None, None, None
                    if valid:
                        deadline = created + dt.timedelta(days=30)
                        unit = units[county.path.split("/")[1]]
                        if i in concluded_set:
                            days = min(int(rng.gammavariate(2.2, 14)) + 3, 170)
                            concluded_at = min(created + dt.timedelta(days=days), now - dt.timedelta(minutes=5))
                            state = S.REVIEWED if rng.random() < 0.15 else S.CONCLUDED
                        else:
                            state = rng.choices([S.ASSIGNED, S.VERIFYING, S.DRAFTED, S.SIGNED], [2, 6, 1.5, 0.5])[0]
                    clues.append(Clue(
                        state=state, division_id=county.code, category=rng.choice(CATEGORIES),
                        umbrella=i in umbrella_set, report_count=k, created_at=created,
                        updated_at=concluded_at or created, title="", priority="normal", last_verb="import",
                        unit=unit, mode="local" if valid else "", deadline=deadline, concluded_at=concluded_at,
                        screening_reason="" if valid else "imported history"))
                    meta.append((i, valid, k, county))
                    if maker is not None:
                        texts.append([maker.text(county) for _j in range(k)])
                _insert(Clue, clues)
                if clues[0].pk is None:  # backends that do not return ids
                    got = list(Clue.objects.order_by("-pk").values_list("pk", flat=True)[:len(clues)])[::-1]
                    for c, pk in zip(clues, got, strict=True):
                        c.pk = c.id = pk
                _ledger("clues.Clue", clues[0].pk, clues[-1].pk, len(clues),
                        _digest([(c.pk, c.public_id, c.state, c.division_id, c.created_at.isoformat()) for c in clues]))
                assignments, conclusions = [], []
                for c, (i, valid, _k, _county) in zip(clues, meta, strict=True):
                    if not valid:
                        continue
                    assert c.deadline is not None
                    assignments.append(Assignment(clue=c, unit=c.unit, mode="local", deadline=c.deadline,
                                                  assigned_by=importer, reason="imported history"))
                    if i in concluded_set:
                        case = i in case_set
                        outcome = Conclusion.Outcome.CRIMINAL_CASE if case else rng.choice(
                            [Conclusion.Outcome.ADMIN_PENALTY, Conclusion.Outcome.NO_ACTION,
                             Conclusion.Outcome.DISCIPLINE, Conclusion.Outcome.TRANSFERRED])
                        conclusions.append(Conclusion(
                            clue=c, unit=c.unit, drafter=importer, outcome=outcome, final=True,
                            finding=Conclusion.Finding.SUBSTANTIATED if case else rng.choice(
                                [Conclusion.Finding.PARTLY, Conclusion.Finding.UNSUBSTANTIATED,
                                 Conclusion.Finding.UNVERIFIABLE]),
                            case_number=f"DEMO-{c.pk:07d}" if case else "", summary="imported history",
                            public_wording="核查已办结。"))
                if assignments:
                    made = Assignment.objects.bulk_create(assignments, batch_size=1000)
                    _ledger("clues.Assignment", made[0].pk or 0, made[-1].pk or 0, len(made),
                            _digest([(a.clue_id, a.unit_id, a.deadline.isoformat()) for a in made]))
                if conclusions:
                    made_c = Conclusion.objects.bulk_create(conclusions, batch_size=1000)
                    _ledger("clues.Conclusion", made_c[0].pk or 0, made_c[-1].pk or 0, len(made_c),
                            _digest([(c.clue_id, c.outcome, c.case_number) for c in made_c]))
                if with_reports:
                    _reports(clues, meta, max(end - dt.timedelta(minutes=5), start), rng, texts, maker)
            clues_made += len(clues)
            if progress:
                progress(f"{clues_made} clues")
    return Result(n_reports if with_reports else 0, clues_made, n_valid, n_concluded, n_cases, first_month, last_month)


def _reports(clues: list[Clue], meta: list[tuple[int, bool, int, Division]], latest: dt.datetime,
             rng: random.Random, texts: list[list[str]] | None = None, maker: TextMaker | None = None) -> None:
    """The clue's reports: the first when the clue was opened, the others later but inside the half-year."""
    reports = []
    for n, (c, (_i, _valid, k, county)) in enumerate(zip(clues, meta, strict=True)):
        for j in range(k):
            at = c.created_at if j == 0 else min(c.created_at + dt.timedelta(days=rng.uniform(0, 40)), latest)
            report = Report(tracking_hash=secrets.token_hex(32), clue=c, channel="import", text="（导入的历史举报）",
                            division_id=county.code, category=c.category if c.category != "other" else "",
                            created_at=at)
            if texts and maker is not None:
                report.text = texts[n][j]
                report.place_text = county.name
                report.when_text, report.who_text = maker.when(), maker.who()
                report.channel = rng.choice(["web", "web", "web", "api:wechat", "phone", "letter"])
            reports.append(report)
    with explicit_timestamps((Report, "created_at")):
        made = _insert(Report, reports)
    searchable: dict[int, list[str]] = {}
    for r in made:
        searchable.setdefault(r.clue_id, []).extend((r.text, r.place_text, r.when_text, r.who_text))
    search.add_many(searchable)
    first = made[0].pk or 0
    last = made[-1].pk or 0
    _ledger("intake.Report", first, last, len(made), _digest([(r.clue_id, r.division_id, r.created_at.isoformat())
                                                             for r in made]))
