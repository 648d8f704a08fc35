"""Online same-matter grouping over any index of earlier reports.

The database index (triage app) and the in-memory one here answer the same question: which
earlier reports share a band key or an entity key with this one. ``decide`` then picks the clue.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .matching import KEY_ROWS, NAME_KEY_ROWS, Analysis, NameCounts, PairModel

# what a lookup offers the pair model: with many stored reports of one wording, more candidates
# keep more of a matter's own reports among them (bench/triage.py at 1M, re-reports found /
# attached: 40 0.896 / 0.838, 60 0.916 / 0.852, 80 0.934 / 0.860; lookup median on a quiet
# machine 2.6, 3.0, 4.0 ms). 60 keeps the lookup well under the 5 ms aim on a busy machine.
MAX_CANDIDATES = 60
# what each training tip meets, as when the shipped pair model was fitted (CV inside train: 60 or
# 80 at lookup with 40 in training gives the same figures as 40 and 40; 80 in training was 0.0006
# F1 lower)
TRAINING_CANDIDATES = 40


@dataclass
class Candidate:
    record: Hashable
    clue: Hashable
    analysis: Analysis
    shared_keys: int = 0


@dataclass
class Decision:
    clue: Hashable | None
    probability: float
    scores: dict[Hashable, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"probability": round(self.probability, 3),
                "candidates": len(self.scores)}


def decide(analysis: Analysis, candidates: Iterable[Candidate], model: PairModel) -> Decision:
    """The clue whose reports best match, when its best match clears the model's threshold.

    A clue with any candidate report that looks like a twin of this one (``twin_veto``: the
    texts overlap while people or dates conflict) is not offered: a twin that slipped into the
    clue earlier would otherwise pull its twin's later windows in."""
    best: dict[Hashable, float] = {}
    twins: set[Hashable] = set()
    for cand in candidates:
        p, twin = model.assess(analysis, cand.analysis)
        if twin:
            twins.add(cand.clue)
        if p > best.get(cand.clue, -1.0):
            best[cand.clue] = p
    offered = {clue: p for clue, p in best.items() if clue not in twins}
    if not offered:
        return Decision(None, max(best.values(), default=0.0), best)
    clue, p = max(offered.items(), key=lambda kv: kv[1])
    return Decision(clue if p >= model.threshold else None, p, best)


class MemoryIndex:
    """Band and entity index in process memory (evaluation, training, tests)."""

    def __init__(self) -> None:
        self.keys: dict[int, list[Hashable]] = defaultdict(list)
        self.records: dict[Hashable, tuple[Hashable, Analysis]] = {}
        self.order: dict[Hashable, int] = {}  # arrival order: the database's entry id

    def add(self, record: Hashable, clue: Hashable, analysis: Analysis) -> None:
        self.records[record] = (clue, analysis)
        self.order.setdefault(record, len(self.order))
        for key in set(analysis.band_keys()) | set(analysis.entity_keys()) | set(analysis.name_keys()):
            self.keys[key].append(record)

    def candidates(self, analysis: Analysis, limit: int = MAX_CANDIDATES) -> list[Candidate]:
        counts: Counter[Hashable] = Counter()
        for key in set(analysis.band_keys()) | set(analysis.entity_keys()):
            counts.update(self.keys.get(key, [])[-KEY_ROWS:])
        for key in set(analysis.name_keys()):
            counts.update(self.keys.get(key, [])[-NAME_KEY_ROWS:])
        out = []
        # as the database picks them (most shared keys, then the newest entries) and returns
        # them (most shared keys, then the oldest)
        best = sorted(counts.items(), key=lambda kv: (-kv[1], -self.order[kv[0]]))[:limit]
        for record, shared in sorted(best, key=lambda kv: (-kv[1], self.order[kv[0]])):
            clue, other = self.records[record]
            out.append(Candidate(record, clue, other, shared))
        return out


def training_pairs(items: Iterable[tuple[Hashable, Hashable, Analysis]],
                   names: NameCounts | None = None) -> tuple[Any, Any]:
    """Pair vectors and same-matter labels, as the online lookup would meet them: each item is
    compared with the candidates the index offers among the items before it."""
    import numpy as np

    from .matching import pair_vector

    index = MemoryIndex()
    vectors, labels = [], []
    for record, matter, analysis in items:
        for cand in index.candidates(analysis, TRAINING_CANDIDATES):
            vectors.append(pair_vector(analysis, cand.analysis, names))
            labels.append(int(cand.clue == matter))
        index.add(record, matter, analysis)
    return np.asarray(vectors), np.asarray(labels)


def train_pair_model(items: list[tuple[Hashable, Hashable, Analysis]], threshold: float = 0.5,
                     passes: int = 2, seed: int = 0) -> PairModel:
    """Fit the same-matter model on labelled items (several shuffled orders add variety)."""
    import random

    import numpy as np

    xs, ys = [], []
    for i in range(passes):
        order = list(items)
        if i:
            random.Random(seed + i).shuffle(order)
        x, y = training_pairs(order)
        if len(x):
            xs.append(x)
            ys.append(y)
    if not xs or len(set(np.concatenate(ys))) < 2:
        raise ValueError("not enough labelled pairs to train the same-matter model")
    return PairModel.fit(np.concatenate(xs), np.concatenate(ys), threshold)
