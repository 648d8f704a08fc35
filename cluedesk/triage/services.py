"""Triage verbs.

``attach_report(report_id)`` runs in a worker after the submission has committed (the
``attach_report`` task in ``tasks.py``, enqueued in the submission's transaction by the receiver
``apps.TriageConfig`` connects to ``intake.signals.report_submitted``). It finds the report's
clue with ``attach_or_open`` in a transaction of its own and writes one ``report.triaged`` ledger
event with the decision. It is idempotent: a report that has its clue is left alone, and the
index holds one entry per report (a unique ``report_id``), so a task re-run after a worker died
neither duplicates index rows nor opens a second clue.
The staff verbs (``split_report``, ``correct_labels``; merging is the clue workflow's ``merge``,
which triage follows with ``follow_merge``) each run in one
transaction with one ledger event, and leave labelled data behind for retraining.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from cluedesk.analysis import taxonomy
from cluedesk.analysis.grouping import MAX_CANDIDATES, Candidate, Decision, decide
from cluedesk.analysis.matching import KEY_ROWS, NAME_KEY_ROWS, Analysis, analyze
from cluedesk.analysis.places import division as place_division
from cluedesk.analysis.places import resolve_place, vote_division
from cluedesk.analysis.umbrella import unit_type
from cluedesk.clues import search
from cluedesk.clues.models import Clue
from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division
from cluedesk.vault.content import keyed_label

from . import engine
from .models import (
    BandKey,
    Category,
    ClueTriage,
    EntityKey,
    Industry,
    LabelCorrection,
    PairLabel,
    ReportIndex,
)
from .routing import implicated_units, merge_implicated, suggest_unit
from .signals import report_triaged

CONCLUDED = {"concluded", "reviewed"}
CLOSED = {"merged", "invalid", "transferred"}

# the reporter's choice on the public form (intake.models.Category) → the triage taxonomy
REPORTER_CATEGORY = {
    "violence": "gang_violence", "illegal_lending": "loan_sharking", "gambling_drugs": "gambling",
    "market_control": "forced_trade", "resources": "natural_resources", "village_tyrant": "grassroots_abuse",
    "umbrella": "umbrella", "fraud": "telecom_fraud",
}


class TriageError(ValueError):
    """Bad input from staff: the message is in their language."""


@dataclass
class Found:
    analysis: Analysis
    charge: str
    charge_scores: dict[str, float]
    division_code: str


SEARCHABLE = ("text", "who_text", "place_text", "when_text")


def report_text(report: Any) -> str:
    parts = [getattr(report, name, "") or "" for name in SEARCHABLE]
    return "\n".join(p for p in parts if p.strip())


def _charge(analysis: Analysis) -> tuple[str, dict[str, float]]:
    model = engine.charge_model()
    if model is None:
        return "", {}
    # softmax over the top scores: comparable between reports, so a clue can add them up
    return model.top([analysis.norm], normalized=True)[0]


def _division_code(report: Any, analysis: Analysis) -> str:
    code = getattr(report, "division_id", None)
    if code is None and getattr(report, "division", None) is not None:
        code = report.division.pk
    if code:
        return str(code)
    for text in (getattr(report, "place_text", "") or "", analysis.norm):
        found = resolve_place(text) if text else None
        if found:
            return found[0]
    return ""


def examine(report: Any) -> Found:
    """The pure analysis of a report (no database)."""
    analysis = analyze(report_text(report))
    charge, scores = _charge(analysis)
    analysis.extra["charge"] = charge
    if scores:
        analysis.extra["charge_scores"] = scores
    division_code = _division_code(report, analysis)
    # the index keeps names, phones and dates only as keyed labels (docs/threat-model.md)
    analysis.entities = analysis.entities.mapped(keyed_label)
    return Found(analysis, charge, scores, division_code)


def _newest_per_key(table: str, count: int, rows: int, alias: str) -> list[str]:
    """``count`` keys' newest ``rows`` entries each (an index range read backwards per key): one
    lateral read over the keys on PostgreSQL (planned once, not per key), a subquery per key
    elsewhere. The same rows on every backend."""
    if not count:
        return []
    if connection.vendor == "postgresql":
        return [f"SELECT {alias}.entry_id FROM (VALUES {','.join(['(%s::bigint)'] * count)}) AS k{alias}(k) "  # noqa: S608
                f"CROSS JOIN LATERAL (SELECT entry_id FROM {table} WHERE key = k{alias}.k "
                f"ORDER BY entry_id DESC LIMIT {rows}) AS {alias}"]
    return [f"SELECT entry_id FROM (SELECT entry_id FROM {table} WHERE key = %s "  # noqa: S608
            f"ORDER BY entry_id DESC LIMIT {rows}) AS {alias}{i}" for i in range(count)]


def _candidate_sql(bands: int, entities: int, names: int, limit: int, exclude: bool) -> str:
    """One statement for the whole lookup: the newest ``KEY_ROWS`` entries of each band and entity
    key and the newest ``NAME_KEY_ROWS`` of each person key, counted per entry; the best-sharing
    ``limit`` entries of open clues are read with what scoring needs. One round trip, all index
    range scans read backwards, the same rows on both backends (a cap over all keys at once kept
    whichever rows the plan met first: on PostgreSQL they changed with the plan)."""
    band, entity, clue = BandKey._meta.db_table, EntityKey._meta.db_table, Clue._meta.db_table
    hits = [*_newest_per_key(band, bands, KEY_ROWS, "b"), *_newest_per_key(entity, entities, KEY_ROWS, "e"),
            *_newest_per_key(entity, names, NAME_KEY_ROWS, "n")]
    closed = ",".join(["%s"] * len(CLOSED))
    return (f"SELECT r.id, r.clue_id, r.signature, r.shingles, r.length, r.entities, r.charge, r.charge_scores, t.shared "  # noqa: S608
            f"FROM (SELECT entry_id, COUNT(*) AS shared FROM ({' UNION ALL '.join(hits)}) AS h "
            f"GROUP BY entry_id ORDER BY shared DESC, entry_id DESC LIMIT {int(limit)}) AS t "
            f"JOIN {ReportIndex._meta.db_table} r ON r.id = t.entry_id JOIN {clue} c ON c.id = r.clue_id "
            f"WHERE c.state NOT IN ({closed})" + (" AND r.clue_id <> %s" if exclude else ""))


def candidates(analysis: Analysis, exclude_clue: int | None = None,
               limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """Earlier reports sharing band or entity keys with this one, most shared first.

    The hot path of every submission: one SQL statement on the two key indexes (see
    ``_candidate_sql``), then the stored features of the best-sharing entries are decoded."""
    bands = sorted(set(analysis.band_keys()))
    entity_keys = sorted(set(analysis.entity_keys()))
    name_keys = sorted(set(analysis.name_keys()))
    if not (bands or entity_keys or name_keys):
        return []
    sql = _candidate_sql(len(bands), len(entity_keys), len(name_keys), limit, exclude_clue is not None)
    params: list[Any] = [*bands, *entity_keys, *name_keys, *sorted(CLOSED)]
    if exclude_clue is not None:
        params.append(exclude_clue)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    found = []
    for pk, clue_id, sig, shingles, length, entities, charge, scores, shared in rows:
        if isinstance(entities, str):
            entities = json.loads(entities)
        if isinstance(scores, str):
            scores = json.loads(scores)
        found.append(Candidate(pk, clue_id, Analysis.from_stored(bytes(sig), shingles, length, entities or {},
                                                                 charge or "", scores or None), int(shared)))
    found.sort(key=lambda c: (-c.shared_keys, c.record))
    return found


_TAXONOMY_TTL = 30.0
_taxonomy_cache: tuple[float, tuple[list[Any], list[Any]]] | None = None


def _taxonomy() -> tuple[list[Any], list[Any]]:
    """The active taxonomy; admins' edits show within half a minute (read at most that often)."""
    global _taxonomy_cache
    now = time.monotonic()
    if _taxonomy_cache is None or now - _taxonomy_cache[0] > _TAXONOMY_TTL:
        _taxonomy_cache = (now, _read_taxonomy())
    return _taxonomy_cache[1]


def _read_taxonomy() -> tuple[list[Any], list[Any]]:
    cats = [(c.code, c.name, c.name_zh, tuple(w for w in c.keywords.split() if w))
            for c in Category.objects.filter(active=True)]
    inds = [(i.code, i.name, i.name_zh, tuple(w for w in i.keywords.split() if w))
            for i in Industry.objects.filter(active=True)]
    return cats or taxonomy.CATEGORIES, inds or taxonomy.INDUSTRIES


def _index(report: Any, clue: Clue, found: Found) -> ReportIndex:
    stored = found.analysis.stored()
    entry = ReportIndex.objects.create(
        report_id=getattr(report, "pk", None), clue=clue, signature=stored["sig"], shingles=stored["shingles"],
        length=stored["length"], entities=stored["entities"], charge=found.charge, charge_scores=found.charge_scores,
        division_code=found.division_code)
    _insert_keys(entry, found)
    return entry


def _insert_keys(entry: ReportIndex, found: Found) -> None:
    # plain inserts: dozens of key rows per report, model instances would cost more than the lookup
    bands = sorted(set(found.analysis.band_keys()))
    entities = sorted(set(found.analysis.entity_keys()) | set(found.analysis.name_keys()))
    with connection.cursor() as cur:
        for table, keys in ((BandKey._meta.db_table, bands), (EntityKey._meta.db_table, entities)):
            if keys:
                cur.executemany(f"INSERT INTO {table} (key, entry_id) VALUES (%s, %s)",  # noqa: S608
                                [(k, entry.pk) for k in keys])


def _more_specific(new: str, old: str) -> bool:
    if not new:
        return False
    if not old:
        return True
    a, b = place_division(new), place_division(old)
    return bool(a and b and a.level > b.level and new.startswith(old[: 2 * b.level]))


def recount_charges(clue: Clue, info: ClueTriage, added: dict[str, float] | None = None) -> None:
    """Set the clue's charge totals from its reports' scores (``added``: one more report's on top
    of the stored totals, else all are read again); does not save."""
    totals: Counter[str] = Counter()
    if added is not None:
        totals.update(info.charge_scores or {})
        totals.update(added)
    else:
        for scores in ReportIndex.objects.filter(clue=clue).values_list("charge_scores", flat=True):
            totals.update(scores or {})
    info.charge_scores = {k: round(v, 4) for k, v in totals.most_common(12)}
    if totals:
        info.charge = totals.most_common(1)[0][0]


def refresh_labels(clue: Clue, info: ClueTriage, norm: str = "", added: dict[str, float] | None = None) -> None:
    """Update the clue's charge from its reports' scores (``added``: one more report's, else all
    are read again), then its suggested labels; ``norm``: the new report's normalized text (the
    umbrella model and keyword evidence read it)."""
    recount_charges(clue, info, added)
    if not info.corrected:
        cats, inds = _taxonomy()
        scores = info.charge_scores or {}
        total = sum(v for v in scores.values() if v > 0)
        share = (max(scores.values()) / total) if total else 1.0
        model = engine.umbrella_model() if norm else None
        finding = model.find(norm, normalized=True) if model is not None else None
        labels = taxonomy.label(norm, info.charge or None, cats, inds, share=share,
                                flagged=finding.umbrella if finding else None,
                                units=tuple(str(o["unit"]) for o in finding.implicated if o["unit"]) if finding else ())
        if labels.category != "other" or not clue.category:
            clue.category = labels.category
        if not clue.industry or clue.industry == "other":
            clue.industry = labels.industry
        if norm:
            info.evidence = list(labels.evidence)
            if finding is not None:
                info.umbrella_probability = finding.probability
        if labels.umbrella:
            clue.umbrella = True
            officials = finding.implicated if finding is not None else [
                {"who": u, "unit_type": unit_type(u), "unit": u} for u in labels.implicated]
            info.implicated = merge_implicated(info.implicated, officials)


def _division_obj(code: str) -> Any:
    return Division.objects.filter(pk=code).first() if code else None


def attach_or_open(report: Any, found: Found | None = None,
                   decision: Decision | None = None) -> tuple[Clue, dict[str, Any]]:
    """Return the clue the report belongs to and a decision record for the ledger event.

    Runs in the caller's transaction; records no event; does not set ``report.clue``. ``found``
    and the pair model's ``decision`` may come precomputed (``attach_report`` works them out before
    BEGIN on SQLite)."""
    found = found if found is not None else examine(report)
    if decision is None:
        decision = decide(found.analysis, candidates(found.analysis), engine.keyed_pair_model())
    repeat = False
    clue = None
    if decision.clue is not None:
        # the UPDATE takes the clue's row lock (PostgreSQL) before it is read
        if Clue.objects.filter(pk=int(decision.clue)).exclude(  # type: ignore[call-overload]
                state__in=CLOSED).update(report_count=F("report_count") + 1):
            clue = Clue.objects.get(pk=int(decision.clue))  # type: ignore[call-overload]
            info, _created = ClueTriage.objects.get_or_create(clue=clue)
            if clue.state in CONCLUDED:
                repeat = info.repeat_after_conclusion = True
            verb = "attached"
        # else the clue closed (merged, invalid, transferred) since the lookup: open a new one
    if clue is None:
        clue = Clue.objects.create(division=_division_obj(found.division_code), report_count=1)
        received = getattr(report, "created_at", None)
        if received is not None:
            # a clue is received when its first report was, not when a worker got to it (after a
            # worker outage the two can fall in different months)
            Clue.objects.filter(pk=clue.pk).update(created_at=received)
            clue.created_at = received
        info = ClueTriage.objects.create(clue=clue)
        verb = "opened"
    _index(report, clue, found)
    search.add(clue.pk, [getattr(report, name, "") or "" for name in SEARCHABLE])
    # the clue's place is the vote of its reports' places (a brief tip naming none changes nothing);
    # once staff have set the place, a later report does not vote it away
    if verb == "opened" or not found.division_code:
        voted = found.division_code if verb == "opened" else ""  # a report naming no place changes no vote
    elif LabelCorrection.objects.filter(clue=clue, field="division").exists():
        voted = ""
    else:
        voted = vote_division(list(
            ReportIndex.objects.filter(clue=clue).exclude(division_code="").order_by("pk")
            .values_list("division_code", flat=True)[:200]))
    if voted and voted != info.division_code:
        if clue.division_id is None or _more_specific(voted, info.division_code):
            division = _division_obj(voted)
            if division is not None:
                clue.division = division
        info.division_code = voted
    barred_before = implicated_units(info.implicated)
    refresh_labels(clue, info, found.analysis.norm, found.charge_scores)
    reporter_says = REPORTER_CATEGORY.get(getattr(report, "category", "") or "", "")
    if reporter_says and clue.category in ("", "other") and not info.corrected:
        clue.category = reporter_says  # what the reporter chose, when triage found nothing better
    if verb == "opened" or info.suggested_unit_id is None or implicated_units(info.implicated) != barred_before:
        info.suggested_unit = suggest_unit(info.division_code, implicated_units(info.implicated))
    # only triage's own fields: a staff verb may change the others (state, version) meanwhile
    clue.save(update_fields=["division", "category", "industry", "umbrella", "updated_at"])
    info.save()
    return clue, {
        "clue": clue.public_id, "decision": verb, "same_matter_probability": round(decision.probability, 3),
        "candidates": len(decision.scores), "charge": info.charge, "category": clue.category,
        "industry": clue.industry, "umbrella": clue.umbrella, "division": info.division_code,
        "repeat_after_conclusion": repeat,
    }


def lookup_keys(analysis: Analysis) -> list[int]:
    """Every index key a lookup reads: two reports that share none never meet as candidates."""
    return sorted(set(analysis.band_keys()) | set(analysis.entity_keys()) | set(analysis.name_keys()))


_LOCK_SPACE = 17017  # pg_advisory_xact_lock(int4, int4)'s first half: triage's own lock space
_LOCK_BUCKETS = 1 << 20


def _lock_keys(keys: list[int]) -> None:
    """On PostgreSQL, take a transaction lock per lookup key (hashed into 2^20 buckets, in one
    order): two workers triaging reports that share a key take turns, so the second one's lookup
    sees the first one's committed index rows and joins its clue instead of opening another.
    On SQLite the IMMEDIATE transaction already holds the database's one write lock."""
    if connection.vendor != "postgresql" or not keys:
        return
    buckets = sorted({k % _LOCK_BUCKETS for k in keys})
    with connection.cursor() as cur:
        cur.execute("SELECT count(pg_advisory_xact_lock(%s, b)) FROM "
                    "(SELECT b FROM unnest(%s::int[]) AS b ORDER BY b) AS ordered", [_LOCK_SPACE, buckets])


def _index_watermark() -> int:
    return ReportIndex.objects.aggregate(m=Max("pk"))["m"] or 0


def _indexed_since(keys: list[int], watermark: int) -> bool:
    """Whether a report indexed after ``watermark`` shares one of ``keys`` (an index range scan)."""
    if not keys:
        return False
    marks = ",".join(["%s"] * len(keys))
    sql = " UNION ALL ".join(
        f"SELECT 1 FROM (SELECT 1 FROM {table} WHERE key IN ({marks}) AND entry_id > %s LIMIT 1) AS {alias}"  # noqa: S608
        for table, alias in ((BandKey._meta.db_table, "b"), (EntityKey._meta.db_table, "e")))
    with connection.cursor() as cur:
        cur.execute(sql, [*keys, watermark, *keys, watermark])
        return cur.fetchone() is not None


def attach_report(report_id: int, *, attempts: int = 3) -> dict[str, Any] | None:
    """Triage one stored report: its clue, labels and route, and one ``report.triaged`` event.

    The pure analysis runs before BEGIN. On SQLite so does the candidate lookup: inside the
    transaction (which holds the database's one write lock) it is repeated only when a report sharing
    a key was indexed since — index ids are handed out under that same lock, so their order is the
    order of commits and a watermark tells. On PostgreSQL ids are handed out at INSERT, not at
    COMMIT, so no watermark can tell: the lookup runs after the advisory locks on the report's keys
    are taken, which waits for every transaction indexing a report that shares one. A clue closed
    meanwhile is not joined (``attach_or_open`` opens a new one). Returns the decision, or None when
    there was nothing to do (the report is gone, or already on a clue)."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None or report.clue_id is not None:
        return None
    found = examine(report)
    keys = lookup_keys(found.analysis)
    ordered_ids = connection.vendor != "postgresql"
    for attempt in range(attempts):
        watermark = _index_watermark() if ordered_ids else 0
        # the lookup and the scoring of its candidates (the longest part) before BEGIN, kept if still true
        early = decide(found.analysis, candidates(found.analysis), engine.keyed_pair_model()) if ordered_ids else None
        try:
            with transaction.atomic():
                _lock_keys(keys)
                if not Report.objects.select_for_update().filter(pk=report_id, clue__isnull=True).values_list(
                        "pk", flat=True):
                    return None  # gone, or triaged by another worker meanwhile
                stale = early is None or _indexed_since(keys, watermark)
                clue, decision = attach_or_open(report, found, None if stale else early)
                Report.objects.filter(pk=report_id).update(clue=clue)
                report.clue = clue
                report_triaged.send(sender=Report, report=report, clue=clue, decision=decision)
                record("report.triaged", actor=Actor.system("triage"), subject_type="report",
                       subject_id=report_id, data=decision)
            return decision
        except OperationalError as exc:  # PostgreSQL deadlock detected: take the locks again
            if getattr(getattr(exc, "__cause__", None), "sqlstate", None) != "40P01" or attempt + 1 == attempts:
                raise
    return None


REKEY_MARK = "triage:rekey:last-entry"


def _clear_entities(entities: dict[str, list[str]]) -> bool:
    return any(not v.startswith(("k:", "d:")) for values in (entities or {}).values() for v in values)


def rekey_index(limit: int = 500) -> int:
    """Index entries written before entities were keyed (names, phones, dates in clear): their
    entities are worked out again from the report's text, keyed, and their entity keys
    replaced. Resumable; returns how many entries were done (0: none is left)."""
    done = 0
    last = int(cache.get(REKEY_MARK, 0))  # entries up to here were looked at already
    while done < limit:
        entries = list(ReportIndex.objects.filter(pk__gt=last, report_id__isnull=False)
                       .exclude(entities={}).order_by("pk")[:200])
        if not entries:
            break
        last = entries[-1].pk
        todo = [e for e in entries if _clear_entities(e.entities)]
        reports = Report.objects.in_bulk([e.report_id for e in todo])
        for entry in todo:
            report = reports.get(entry.report_id)
            with transaction.atomic():
                EntityKey.objects.filter(entry=entry).delete()
                BandKey.objects.filter(entry=entry).delete()
                if report is None or not report.text:
                    ReportIndex.objects.filter(pk=entry.pk).update(entities={})
                else:
                    analysis = analyze(report_text(report))
                    analysis.extra["charge"] = entry.charge
                    analysis.entities = analysis.entities.mapped(keyed_label)
                    ReportIndex.objects.filter(pk=entry.pk).update(entities=analysis.stored()["entities"])
                    _insert_keys(entry, Found(analysis, entry.charge, entry.charge_scores, entry.division_code))
            done += 1
        cache.set(REKEY_MARK, last, None)  # after the batch: a worker that dies in it does it again
    return done


def awaiting_triage() -> Any:
    """Reports stored and not yet on a clue (their ``attach_report`` task is queued or running)."""
    return Report.objects.filter(clue__isnull=True)


def triage_waiting(limit: int | None = None) -> int:
    """Triage reports awaiting triage here and now, oldest first (demo loading, maintenance, tests
    of a flow; the queued tasks find them done and do nothing). Returns how many were attached."""
    ids = list(awaiting_triage().order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if attach_report(pk) is not None)


def similar_clues(clue: Clue, limit: int = 5) -> list[tuple[Clue, float]]:
    """Other open clues that may be about the same matter, best first, with the probability."""
    model = engine.keyed_pair_model()
    best: dict[int, float] = {}
    for entry in ReportIndex.objects.filter(clue=clue)[:20]:
        mine = Analysis.from_stored(bytes(entry.signature), entry.shingles, entry.length, entry.entities,
                                    entry.charge, entry.charge_scores)
        for cand in candidates(mine, exclude_clue=clue.pk):
            p = model.probability(mine, cand.analysis)
            if p > best.get(int(cand.clue), 0.0):  # type: ignore[call-overload]
                best[int(cand.clue)] = p  # type: ignore[call-overload]
    ranked = sorted(best.items(), key=lambda kv: -kv[1])[:limit]
    clues = Clue.objects.in_bulk([pk for pk, _p in ranked])
    return [(clues[pk], round(p, 3)) for pk, p in ranked if pk in clues]


def _label_pairs(left: list[int], right: list[int], same: bool, user: Any) -> None:
    PairLabel.objects.bulk_create([PairLabel(first_id=a, second_id=b, same=same, created_by=user)
                                   for a in left[:50] for b in right[:50]])


def follow_merge(sender: Any, clue: Clue, target: Clue, acting_user: Any, **kwargs: Any) -> None:
    """``clues.signals.clue_merged`` receiver, inside the clue workflow's ``merge`` (which checks
    the actor and writes the one ledger event): the triage index follows the reports and the pair
    becomes labelled data ("same matter")."""
    left = list(ReportIndex.objects.filter(clue=target).values_list("pk", flat=True))
    right = list(ReportIndex.objects.filter(clue=clue).values_list("pk", flat=True))
    ReportIndex.objects.filter(clue=clue).update(clue=target)
    _label_pairs(left, right, True, acting_user)
    target.refresh_from_db()
    info, _c = ClueTriage.objects.get_or_create(clue=target)
    refresh_labels(target, info)
    target.save(update_fields=["category", "industry", "umbrella", "updated_at"])
    info.save()


def lock_for_triage(user: Any, pk: int) -> Clue | None:
    """The clue, locked, when ``user`` may triage it (scoping joins cannot be locked on PostgreSQL)."""
    if not Clue.objects.visible_to(user, "triage").filter(pk=pk).exists():
        return None
    return Clue.objects.select_for_update().filter(pk=pk).first()


def split_report(report: Any, *, acting_user: Any) -> Clue:
    """Take a report off its clue into a new clue of its own; the report and the clue's other
    reports become labelled data ("not the same matter")."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report.pk).first()
        if report is None or report.clue_id is None:
            raise TriageError(_("This report is not on a clue."))
        old = lock_for_triage(acting_user, report.clue_id)
        if old is None:
            raise TriageError(_("This clue is not visible to you."))
        if old.report_count <= 1 or Report.objects.filter(clue=old).count() <= 1:
            raise TriageError(_("This is the clue's only report; there is nothing to split it from."))
        if old.state in CLOSED:
            raise TriageError(_("This clue is closed."))
        new = Clue.objects.create(division=old.division, category=old.category, industry=old.industry,
                                  umbrella=old.umbrella, report_count=1)
        report.clue = new
        report.save(update_fields=["clue"])
        Clue.objects.filter(pk=old.pk).update(report_count=F("report_count") - 1)
        mine = list(ReportIndex.objects.filter(report_id=report.pk).values_list("pk", flat=True))
        rest = list(ReportIndex.objects.filter(clue=old).exclude(report_id=report.pk).values_list("pk", flat=True))
        ReportIndex.objects.filter(report_id=report.pk).update(clue=new)
        _label_pairs(mine, rest, False, acting_user)
        search.reindex(old)
        search.reindex(new)
        old_info, _c = ClueTriage.objects.get_or_create(clue=old)
        info = ClueTriage.objects.create(clue=new, division_code=old_info.division_code,
                                         suggested_unit=old_info.suggested_unit)
        refresh_labels(new, info)
        new.save()
        info.save()
        record("triage.report_split", actor=Actor.staff(acting_user), subject_type="clue",
               subject_id=old.public_id, data={"report": report.pk, "new_clue": new.public_id})
        return new


def correct_labels(clue: Clue, *, acting_user: Any, category: str | None = None, industry: str | None = None,
                   umbrella: bool | None = None) -> Clue:
    """Staff set a clue's category, industry or umbrella flag; triage stops overwriting them and
    the correction is kept as labelled data. One ``triage.labels_corrected`` event."""
    with transaction.atomic():
        locked = lock_for_triage(acting_user, clue.pk)
        if locked is None:
            raise TriageError(_("This clue is not visible to you."))
        changes = apply_labels(locked, acting_user=acting_user, category=category, industry=industry,
                               umbrella=umbrella)
        if changes:
            record("triage.labels_corrected", actor=Actor.staff(acting_user), subject_type="clue",
                   subject_id=locked.public_id, data=changes)
        return locked


def apply_labels(locked: Clue, *, acting_user: Any, category: str | None = None, industry: str | None = None,
                 umbrella: bool | None = None) -> dict[str, list[Any]]:
    """The rows of a label correction on a locked clue, without its event (the caller writes the
    one event of its verb): returns what changed, ``{field: [old, new]}`` (empty: nothing)."""
    cats, inds = _taxonomy()
    changes: dict[str, list[Any]] = {}
    if category is not None:
        if category not in {c[0] for c in cats}:
            raise TriageError(_("Unknown category: %(code)s") % {"code": category})
        if category != locked.category:
            changes["category"] = [locked.category, category]
    if industry is not None:
        if industry not in {i[0] for i in inds}:
            raise TriageError(_("Unknown industry: %(code)s") % {"code": industry})
        if industry != locked.industry:
            changes["industry"] = [locked.industry, industry]
    if umbrella is not None and bool(umbrella) != locked.umbrella:
        changes["umbrella"] = [locked.umbrella, bool(umbrella)]
    if not changes:
        return changes  # a repeated request is a no-op
    for name, (old, new) in changes.items():
        setattr(locked, name, new)
        LabelCorrection.objects.create(clue=locked, field=name, old=str(old), new=str(new), created_by=acting_user)
    locked.save()
    ClueTriage.objects.update_or_create(clue=locked, defaults={"corrected": True})
    return changes


def reindex(batch: int = 500) -> int:
    """Recompute the index rows of every stored report from its text; returns how many."""
    done = 0
    touched: set[int] = set()
    ids = list(ReportIndex.objects.exclude(report_id=None).values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            entries = ReportIndex.objects.select_for_update().filter(pk__in=ids[start:start + batch])
            reports = Report.objects.in_bulk([e.report_id for e in entries])
            for entry in entries:
                report = reports.get(entry.report_id)
                if report is None:
                    continue
                found = examine(report)
                BandKey.objects.filter(entry=entry).delete()
                EntityKey.objects.filter(entry=entry).delete()
                stored = found.analysis.stored()
                entry.signature, entry.shingles, entry.length = stored["sig"], stored["shingles"], stored["length"]
                entry.entities, entry.charge, entry.charge_scores = stored["entities"], found.charge, found.charge_scores
                entry.save()
                _insert_keys(entry, found)
                if entry.clue_id is not None:
                    touched.add(entry.clue_id)
                done += 1
    # a clue's charge totals are the sum of its reports' scores, which may have changed with them
    clue_ids = sorted(touched)
    for start in range(0, len(clue_ids), batch):
        with transaction.atomic():
            for clue in Clue.objects.select_for_update().filter(pk__in=clue_ids[start:start + batch]):
                info, _created = ClueTriage.objects.get_or_create(clue=clue)
                recount_charges(clue, info)
                info.save(update_fields=["charge", "charge_scores"])
    return done
