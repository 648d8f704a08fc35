"""Same-matter scoring: text similarity from MinHash plus agreement of entities.

Re-reports of one matter keep its people, places and dates while the wording moves; twins and
templates keep the wording while people, places and dates change. A pair is described by a
small vector (text similarity, per-entity overlap and conflict) and a logistic model trained on
labelled pairs turns it into the probability that both describe the same matter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .entities import Entities, counties_conflict, extract, place_anchors, places_agree
from .text import NUM_PERM, compact, jaccard_estimate, key64, minhash, normalize, shingle_hashes

BANDS = 32
ROWS = 2
ENTITY_KINDS = ("names", "dates", "month_days", "year_months", "years", "places", "amounts", "ids", "masked")
MAX_ENTITY_KEYS = 48
MAX_NAME_KEYS = 6
NAME_KEY_ROWS = 30
# A lookup reads each band or entity key's newest KEY_ROWS entries (the database's index read
# backwards, MemoryIndex alike): the same rows on SQLite and PostgreSQL, and as many at 1M stored
# reports as at 10k. A key shared by more reports than that (a stock phrase, a common date) says
# little; the best-sharing entries still rank first among what the other keys bring.
KEY_ROWS = 12


@dataclass
class Analysis:
    """What intake stores about one report to compare it with later ones."""

    norm: str
    signature: np.ndarray
    shingles: int
    entities: Entities
    length: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def band_keys(self) -> list[int]:
        from .text import band_keys

        if self.shingles == 0:
            return []
        return band_keys(self.signature, BANDS, ROWS)

    def entity_keys(self) -> list[int]:
        """Keys for the entity index: an identifier alone, or a person with a month or a place."""
        ent = self.entities
        keys: list[str] = [f"id:{v}" for v in sorted(ent.ids)]
        anchors = sorted(ent.year_months) + sorted(ent.years) + place_anchors(ent.places)
        if self.extra.get("charge"):
            anchors.append("charge:" + self.extra["charge"])
        names = sorted(ent.names | ent.masked)
        for name in names:
            for anchor in anchors:
                keys.append(f"np:{name}|{anchor}")
        for i, first in enumerate(names[:8]):
            for second in names[i + 1:8]:
                keys.append(f"nn:{first}|{second}")
        return [key64(k) for k in keys[:MAX_ENTITY_KEYS]]

    def name_keys(self) -> list[int]:
        """One key per named person: looked up apart, newest reports first, a few per name
        (a common name alone points at too many reports to read them all)."""
        return [key64(f"n:{name}") for name in sorted(self.entities.names | self.entities.masked)[:MAX_NAME_KEYS]]

    def stored(self) -> dict[str, Any]:
        return {"sig": self.signature.tobytes(), "shingles": self.shingles, "length": self.length,
                "entities": self.entities.as_dict(), "charge": self.extra.get("charge", "")}

    @classmethod
    def from_stored(cls, sig: bytes, shingles: int, length: int, entities: dict[str, list[str]],
                    charge: str = "", charge_scores: dict[str, float] | None = None) -> Analysis:
        extra: dict[str, Any] = {"charge": charge} if charge else {}
        if charge and charge_scores:
            extra["charge_scores"] = charge_scores
        return cls("", np.frombuffer(sig, dtype=np.uint32), shingles, Entities.from_dict(entities), length, extra)


def analyze(text: str) -> Analysis:
    norm = normalize(text)
    comp = compact(norm)
    hashes = shingle_hashes(comp)
    return Analysis(norm, minhash(hashes), int(hashes.size), extract(norm), len(comp))


def _overlap(a: set[str], b: set[str]) -> tuple[float, float, float]:
    """(both present, share of the smaller set found in the other, conflict)."""
    if not a or not b:
        return 0.0, 0.0, 0.0
    inter = len(a & b)
    return 1.0, inter / min(len(a), len(b)), 1.0 if inter == 0 else 0.0


def _place_overlap(a: set[str], b: set[str]) -> tuple[float, float, float]:
    """As ``_overlap``, a county agreeing with its own city or province."""
    if not a or not b:
        return 0.0, 0.0, 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    inter = sum(1 for x in small if x in large or any(places_agree(x, y) for y in large))
    return 1.0, inter / len(small), 1.0 if inter == 0 else 0.0


MISSED_KINDS = ("names", "dates", "month_days", "places", "amounts")
FEATURES = ["jaccard", "containment", "len_ratio", "short"] + [
    f"{k}_{s}" for k in ENTITY_KINDS for s in ("both", "overlap", "conflict")
] + ["contain_x_names", "contain_x_conflicts", "evidence", "conflicts", "shared_names", "charge_same",
     "charge_differs", "short_x_names", "short_x_charge", "names_rarity", "short_x_rarity", "charge_x_rarity"] + [
    f"{k}_missed" for k in MISSED_KINDS] + ["charge_soft", "short_x_soft"]


@dataclass
class NameCounts:
    """How many matters of the training tips name each person (``X某``): a shared rare name
    (何1某, 翟某某) says more than a shared 李某. ``matters``: how many matters were counted."""

    counts: dict[str, int]
    matters: int

    def rarity(self, shared: set[str], a: Analysis, b: Analysis) -> float:
        """1 for a name no other matter uses, 0 for a name in every matter (the rarest shared
        name counts). In training, a tip's own matter is left out of the counts (its
        ``extra["matter_names"]``), so that training pairs see names as new reports will."""
        if not shared or self.matters < 2:
            return 0.0
        own = [x.extra["matter_names"] for x in (a, b) if "matter_names" in x.extra]
        if len(own) == 2 and a.extra.get("matter") == b.extra.get("matter"):
            own = own[:1]
        scale = math.log1p(self.matters)
        best = 0.0
        for name in shared:
            n = self.counts.get(name, 0) - sum(1 for names in own if name in names)
            best = max(best, 1.0 - math.log1p(max(0, n)) / scale)
        return best


def _flatter(x: Analysis, scores: dict[str, float]) -> dict[str, float]:
    """Stored top-5 charge scores (softmax of the decision scores × 4, as a clue adds them up) at
    half the scale (× 2): the square roots renormalized (chosen by CV inside the training part).
    Kept in ``extra``: the new report meets up to ``grouping.MAX_CANDIDATES`` candidates."""
    flat = x.extra.get("charge_flat")
    if flat is None:
        roots = {k: math.sqrt(max(0.0, float(v))) for k, v in scores.items()}
        total = sum(roots.values()) or 1.0
        flat = x.extra["charge_flat"] = {k: v / total for k, v in roots.items()}
    return flat  # type: ignore[no-any-return]


def pair_vector(a: Analysis, b: Analysis, names: NameCounts | None = None) -> np.ndarray:
    if a.signature.shape != (NUM_PERM,) or b.signature.shape != (NUM_PERM,):
        raise ValueError("signature of the wrong size")
    j = jaccard_estimate(a.signature, b.signature) if a.shingles and b.shingles else 0.0
    inter = j * (a.shingles + b.shingles) / (1 + j)
    containment = min(1.0, inter / max(1, min(a.shingles, b.shingles)))
    la, lb = max(1, a.length), max(1, b.length)
    values = [j, containment, min(la, lb) / max(la, lb), 1.0 if min(la, lb) < 80 else 0.0]
    conflicts = evidence = 0.0
    for kind in ENTITY_KINDS:
        compare = _place_overlap if kind == "places" else _overlap
        both, overlap, conflict = compare(getattr(a.entities, kind), getattr(b.entities, kind))
        values += [both, overlap, conflict]
        conflicts += conflict
        evidence += overlap
    names_overlap = values[4 + 3 * ENTITY_KINDS.index("names") + 1]
    shared = min(3, len(a.entities.names & b.entities.names)) / 3
    ca, cb = a.extra.get("charge"), b.extra.get("charge")
    same_charge = 1.0 if ca and cb and ca == cb else 0.0
    short = values[3]
    rarity = names.rarity(a.entities.names & b.entities.names, a, b) if names is not None else 0.0
    values += [containment * names_overlap, containment * conflicts, evidence, conflicts, shared, same_charge,
               1.0 if ca and cb and ca != cb else 0.0, short * names_overlap, short * same_charge,
               rarity, short * rarity, same_charge * rarity]
    # texts that overlap but whose people, dates, places or amounts do not: a twin or template
    for kind in MISSED_KINDS:
        base = 4 + 3 * ENTITY_KINDS.index(kind)
        values.append(containment * values[base] * (1.0 - values[base + 1]))
    # a soft charge agreement: the score each report's top charges give the other's charge (a
    # brief tip names its offence; a long window's guess may rank it second)
    soft = same_charge
    sa, sb = a.extra.get("charge_scores"), b.extra.get("charge_scores")
    if ca and cb and sa and sb:
        soft = max(_flatter(a, sa).get(cb, 0.0), _flatter(b, sb).get(ca, 0.0))
    values += [soft, short * soft]
    return np.asarray(values, dtype=np.float64)


_CONTAINMENT = FEATURES.index("containment")
_CONFLICTS = [FEATURES.index(f"{k}_conflict") for k in ("names", "dates", "month_days", "year_months")]
_NAMES_BOTH, _NAMES_OVERLAP = FEATURES.index("names_both"), FEATURES.index("names_overlap")


def twin_veto(vector: np.ndarray, containment: float = 0.5, names_overlap: float = 0.8,
              county_containment: float | None = None, places: tuple[set[str], set[str]] | None = None) -> bool:
    """A pair whose texts largely overlap while its people, dates or months conflict, or whose
    people only partly agree, is a twin or a template (different matters, same wording): in
    the training pairs such pairs are almost never one matter, yet many shared names can
    outweigh the conflict in a linear score. With ``county_containment``, a pair that overlaps
    that much while its two texts' ``places`` name different counties is one too: one office's
    template told of another county (the places are compared only past that overlap)."""
    if (county_containment is not None and places is not None and vector[_CONTAINMENT] > county_containment
            and counties_conflict(*places)):
        return True
    if vector[_CONTAINMENT] <= containment:
        return False
    if any(vector[i] for i in _CONFLICTS):
        return True
    return bool(vector[_NAMES_BOTH] and vector[_NAMES_OVERLAP] < names_overlap)


@dataclass
class PairModel:
    weights: np.ndarray
    bias: float
    threshold: float = 0.5
    names: NameCounts | None = None
    veto: dict[str, float] | None = None  # twin_veto's arguments; None: no veto

    def assess(self, a: Analysis, b: Analysis) -> tuple[float, bool]:
        """(probability of one matter, whether the pair looks like a twin: see ``twin_veto``)."""
        vector = pair_vector(a, b, self.names)
        if self.veto is not None and twin_veto(vector, **self.veto, places=(a.entities.places, b.entities.places)):
            return 0.0, True
        z = float(vector @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), False

    def probability(self, a: Analysis, b: Analysis) -> float:
        return self.assess(a, b)[0]

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: np.ndarray, threshold: float = 0.5, names: NameCounts | None = None,
            veto: dict[str, float] | None = None) -> PairModel:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1.0, max_iter=2000)
        model.fit(vectors, labels)
        return cls(model.coef_[0].astype(np.float64), float(model.intercept_[0]), threshold, names, veto)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"features": FEATURES, "weights": [round(float(w), 6) for w in self.weights],
                                "bias": round(self.bias, 6), "threshold": self.threshold, "veto": self.veto}
        if self.names is not None:
            data["name_matters"] = {"matters": self.names.matters, "counts": dict(sorted(self.names.counts.items()))}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairModel:
        if data.get("features") != FEATURES:
            raise ValueError("pair model was trained on other features; retrain it")
        names = data.get("name_matters")
        return cls(np.asarray(data["weights"], dtype=np.float64), float(data["bias"]), float(data["threshold"]),
                   NameCounts(dict(names["counts"]), int(names["matters"])) if names else None, data.get("veto"))

    def keyed(self, fn: Callable[[str], str]) -> PairModel:
        """A copy whose name counts are looked up by ``fn(name)``: for comparing reports whose
        entities were stored keyed (``Entities.mapped``)."""
        names = None if self.names is None else NameCounts(
            {fn(name): n for name, n in self.names.counts.items()}, self.names.matters)
        return PairModel(self.weights, self.bias, self.threshold, names, self.veto)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> PairModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
