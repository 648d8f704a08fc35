"""Same-matter scoring: text similarity from MinHash plus agreement of entities.

Re-reports of one matter keep its people, places and dates while the wording moves; twins and
templates keep the wording while people, places and dates change. A pair is described by a
small vector (text similarity, per-entity overlap and conflict) and a logistic model trained on
labelled pairs turns it into the probability that both describe the same matter.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .entities import Entities, extract, place_anchors, places_agree
from .text import NUM_PERM, compact, jaccard_estimate, key64, minhash, normalize, shingle_hashes

BANDS = 32
ROWS = 2
ENTITY_KINDS = ("names", "dates", "month_days", "year_months", "years", "places", "amounts", "ids")
MAX_ENTITY_KEYS = 48
MAX_NAME_KEYS = 6
NAME_KEY_ROWS = 30


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
        names = sorted(ent.names)
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
        return [key64(f"n:{name}") for name in sorted(self.entities.names)[:MAX_NAME_KEYS]]

    def stored(self) -> dict[str, Any]:
        return {"sig": self.signature.tobytes(), "shingles": self.shingles, "length": self.length,
                "entities": self.entities.as_dict(), "charge": self.extra.get("charge", "")}

    @classmethod
    def from_stored(cls, sig: bytes, shingles: int, length: int, entities: dict[str, list[str]],
                    charge: str = "") -> Analysis:
        return cls("", np.frombuffer(sig, dtype=np.uint32), shingles, Entities.from_dict(entities), length,
                   {"charge": charge} if charge else {})


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


FEATURES = ["jaccard", "containment", "len_ratio", "short"] + [
    f"{k}_{s}" for k in ENTITY_KINDS for s in ("both", "overlap", "conflict")
] + ["contain_x_names", "contain_x_conflicts", "evidence", "conflicts", "shared_names", "charge_same",
     "charge_differs", "short_x_names", "short_x_charge"]


def pair_vector(a: Analysis, b: Analysis) -> np.ndarray:
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
    values += [containment * names_overlap, containment * conflicts, evidence, conflicts, shared, same_charge,
               1.0 if ca and cb and ca != cb else 0.0, short * names_overlap, short * same_charge]
    return np.asarray(values, dtype=np.float64)


@dataclass
class PairModel:
    weights: np.ndarray
    bias: float
    threshold: float = 0.5

    def probability(self, a: Analysis, b: Analysis) -> float:
        z = float(pair_vector(a, b) @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> PairModel:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1.0, max_iter=1000)
        model.fit(vectors, labels)
        return cls(model.coef_[0].astype(np.float64), float(model.intercept_[0]), threshold)

    def to_json(self) -> dict[str, Any]:
        return {"features": FEATURES, "weights": [round(float(w), 6) for w in self.weights],
                "bias": round(self.bias, 6), "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairModel:
        if data.get("features") != FEATURES:
            raise ValueError("pair model was trained on other features; retrain it")
        return cls(np.asarray(data["weights"], dtype=np.float64), float(data["bias"]), float(data["threshold"]))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> PairModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
