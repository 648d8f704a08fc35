"""Statistics cannot be differenced (issue 19): on a seeded year, published month by month as the
worker would, every sum and difference of published figures is tried against an independent model
of the raw counts, and no hidden figure, no unpublished page's breakdown, no count from 1 to k−1
and no category breakdown of fewer than 20 reports comes out. Then every linear combination at
once: no hidden or unpublished figure lies in the span of the shown ones.

The independent model: each figure is the set of *atoms* it adds up — (month, place, category,
measure) — worked out here from the tree and the figure's definition, not from ``lattice``'s lines.
A sum of two disjoint figures is their union, a difference of nested ones their set difference.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict

import numpy as np
import pytest

from cluedesk.records import lattice
from cluedesk.records.lattice import ALL, OUTCOMES, Fixed, Tree, solve

K = 5
MIN_SCOPE = 20
YEAR = 2026
CATS = ["illegal_lending", "violence", ""]
PARENT = {"000000": None, "430000": "000000", "440000": "000000",
          "430100": "430000", "430200": "430000", "440100": "440000",
          "430181": "430100", "430102": "430100", "430211": "430200", "440113": "440100", "440106": "440100"}
LEVEL = {c: (0 if p is None else None) for c, p in PARENT.items()}
for _c in PARENT:
    _n, _lvl = _c, 0
    while PARENT[_n] is not None:
        _n, _lvl = PARENT[_n], _lvl + 1
    LEVEL[_c] = _lvl
LEAVES = {c for c in PARENT if c not in PARENT.values()}
HUNAN_PLACES = ["430181", "430181", "430102", "430211", "430100", "430000"]
GUANGDONG_PLACES = ["440113", "440113", "440106", "440100"]


def tree() -> Tree:
    return Tree(parent=dict(PARENT), level=dict(LEVEL), leaves=set(LEAVES))


def seeded_year(seed: int = 19) -> dict[dt.date, dict]:
    """A year of monthly counts. Hunan receives 24–40 reports a month but only 6 in December (with
    2 clues: the issue's “16 − 14 = 2”); Guangdong 8–30 a month, so some of its months are too small."""
    rng = random.Random(seed)
    months = {}
    for m in range(1, 13):
        counts: dict = {"reports": defaultdict(int), "clues": defaultdict(lambda: defaultdict(int)),
                        "outcomes": defaultdict(lambda: defaultdict(lambda: defaultdict(int)))}
        for places, n_reports in ((HUNAN_PLACES, 6 if m == 12 else rng.randint(24, 40)),
                                  (GUANGDONG_PLACES, rng.randint(8, 30))):
            for _ in range(n_reports):
                counts["reports"][rng.choice(places)] += 1
            n_clues = 2 if (m == 12 and places is HUNAN_PLACES) else n_reports // 3
            for _ in range(n_clues):
                counts["clues"][rng.choice(places)][rng.choice(CATS)] += 1
            for _ in range(rng.randint(0, n_reports // 3)):
                counts["outcomes"][rng.choice(places)][rng.choice(CATS)][rng.choice(OUTCOMES)] += 1
        months[dt.date(YEAR, m, 1)] = counts
    return months


def fixed_from(result: lattice.Result) -> Fixed:
    """What an edition published, as the next edition receives it (statistics._fixed does the same
    from the stored pages)."""
    fixed = Fixed()
    for key, status in result.scopes.items():
        (fixed.published if status == "published" else fixed.refused).add(key)
    for cell in result.published_cells:
        if cell in result.hidden:
            fixed.hidden.add(cell)
        else:
            fixed.shown[cell] = result.values[cell]
    return fixed


def publish_month_by_month(months: dict[dt.date, dict]) -> list[lattice.Result]:
    editions = []
    fixed = Fixed()
    for m in range(1, 13):
        result = solve({d: c for d, c in months.items() if d.month <= m}, tree(), k=K, min_scope=MIN_SCOPE,
                       fixed=fixed)
        editions.append(result)
        fixed = fixed_from(result)
    return editions


@pytest.fixture(scope="module")
def editions():
    return publish_month_by_month(seeded_year())


# --- the independent model ------------------------------------------------------------------------

class Atoms:
    """Every (month, place, category, measure) slot as one bit; a figure is an int mask."""

    def __init__(self, months: dict[dt.date, dict]):
        self.index: dict[tuple, int] = {}
        self.value: list[int] = []
        self.reports_of: dict[tuple, int] = {}      # (month, place) → reports
        for d, counts in sorted(months.items()):
            for place in PARENT:
                self._add((d.month, place, None, "reports"), counts["reports"].get(place, 0))
                self.reports_of[(d.month, place)] = counts["reports"].get(place, 0)
                for cat in CATS:
                    self._add((d.month, place, cat, "clue"), counts["clues"].get(place, {}).get(cat, 0))
                    for o in OUTCOMES:
                        self._add((d.month, place, cat, o), counts["outcomes"].get(place, {}).get(cat, {}).get(o, 0))
        self.cat_masks = {c: self._select(lambda key, c=c: key[2] == c) for c in CATS}
        self.month_masks = {m: self._select(lambda key, m=m: key[0] == m) for m in range(1, 13)}
        self.place_masks = {p: self._select(lambda key, p=p: key[1] == p) for p in PARENT}

    def _select(self, keep) -> int:
        bits = 0
        for key, i in self.index.items():
            if keep(key):
                bits |= 1 << i
        return bits

    def _add(self, key: tuple, n: int) -> None:
        self.index[key] = len(self.value)
        self.value.append(n)

    @staticmethod
    def months_of(period: str) -> list[int]:
        return [d.month for d in lattice.period_months(period)]

    @staticmethod
    def places_of(node: str) -> list[str]:
        if node.startswith("~"):
            return [node[1:]]                               # placed at the region itself
        out = []
        for place in PARENT:
            up = place
            while up is not None and up != node:
                up = PARENT[up]
            if up == node:
                out.append(place)
        return out

    def mask(self, cell: tuple[str, str, str, str]) -> int:
        period, node, cat, col = cell
        measures = {"reports": ["reports"], "clues": ["clue"], "concluded": OUTCOMES}.get(col, [col])
        cats = [None] if col == "reports" else (CATS if cat == ALL else [cat])
        bits = 0
        for m in self.months_of(period):
            for place in self.places_of(node):
                for c in cats:
                    for z in measures:
                        bits |= 1 << self.index[(m, place, c, z)]
        return bits

    def total(self, mask: int) -> int:
        return sum(self.value[i] for i in _bits(mask))

    def footprint_reports(self, mask: int) -> int:
        """Reports received in the months × places the atoms of ``mask`` span."""
        months = [m for m, mm in self.month_masks.items() if mask & mm]
        places = [p for p, pm in self.place_masks.items() if mask & pm]
        return sum(self.reports_of[(m, p)] for m in months for p in places)

    def one_category(self, mask: int) -> bool:
        return any(mask & ~cm == 0 for cm in self.cat_masks.values())

    def vector(self, mask: int) -> np.ndarray:
        n = len(self.value)
        raw = np.frombuffer(mask.to_bytes((n + 7) // 8, "little"), dtype=np.uint8)
        return np.unpackbits(raw, bitorder="little")[:n].astype(float)


def _bits(mask: int):
    i = 0
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


def published(result: lattice.Result):
    shown = {c: result.values[c] for c in result.published_cells if c not in result.hidden}
    protected = [c for c in result.values if c not in shown and result.values[c] > 0
                 and not (c[1].startswith("~") and c[2] != ALL and result.scopes.get((c[0], c[1])) == "published")]
    return shown, protected


class Attack:
    """Tries sums and differences; records what it found that it should not have."""

    def __init__(self, atoms: Atoms, shown: dict, protected: list):
        self.atoms = atoms
        self.shown_masks = {atoms.mask(c): (c, v) for c, v in shown.items()}
        self.protected = {atoms.mask(c): c for c in protected}
        self.tried = 0
        self.found: list[tuple] = []

    def check(self, mask: int, value: int, how: tuple) -> None:
        self.tried += 1
        if mask in self.shown_masks or not mask:
            return
        if mask in self.protected:
            self.found.append(("hidden figure", self.protected[mask], value, how))
        elif 0 < value < K:
            self.found.append(("small count", value, how))
        elif value > 0 and self.atoms.one_category(mask) and self.atoms.footprint_reports(mask) < MIN_SCOPE:
            self.found.append(("category breakdown under the minimum", value, how))

    def pairs(self) -> None:
        items = list(self.shown_masks.items())
        for (ma, (ca, va)), (mb, (cb, vb)) in itertools.combinations(items, 2):
            if ma & mb == 0:
                self.check(ma | mb, va + vb, ("+", ca, cb))
            else:
                self.tried += 1
            for (m1, c1, v1), (m2, c2, v2) in (((ma, ca, va), (mb, cb, vb)), ((mb, cb, vb), (ma, ca, va))):
                if m2 & ~m1 == 0:
                    self.check(m1 & ~m2, v1 - v2, ("-", c1, c2))
                else:
                    self.tried += 1

    def total_minus_parts(self, result: lattice.Result) -> None:
        """Each shown figure minus every set of disjoint shown figures inside it, along each of its
        dimensions: sub-periods (a year minus any months and quarters), smaller regions, categories,
        outcomes."""
        shown = {c: v for m, (c, v) in self.shown_masks.items()}
        for (p, n, c, col), v in shown.items():
            families = []
            subs = [x for x in _sub_periods(p)]
            families.append([(x, n, c, col) for x in subs])
            families.append([(p, x, c, col) for x in _descendants(n, result)])
            if c == ALL and col != "reports":
                families.append([(p, n, x, col) for x in result.categories.get(n, [])])
            if col == "concluded":
                families.append([(p, n, c, o) for o in OUTCOMES])
            total_mask = self.atoms.mask((p, n, c, col))
            for family in families:
                parts = [(self.atoms.mask(x), shown[x]) for x in family if x in shown]
                for r in range(1, len(parts) + 1):
                    for combo in itertools.combinations(parts, r):
                        union = 0
                        ok = True
                        for pm, _pv in combo:
                            if union & pm or pm & ~total_mask:
                                ok = False
                                break
                            union |= pm
                        if not ok:
                            continue
                        self.check(total_mask & ~union, v - sum(pv for _pm, pv in combo), ("T-parts", (p, n, c, col), r))


def _sub_periods(p: str) -> list[str]:
    out = []
    for q in lattice.period_parts(p):
        out.append(q)
        out.extend(lattice.period_parts(q))
    return out


def _descendants(node: str, result: lattice.Result) -> list[str]:
    out = []
    for ch in result.children.get(node, []):
        out.append(ch)
        if not ch.startswith("~"):
            out.extend(_descendants(ch, result))
    return out


def span_check(atoms: Atoms, shown: dict, protected: list) -> list:
    """Every linear combination: a protected figure is derivable iff its atom vector lies in the row
    space of the shown figures' vectors (numpy, independent of suppression.derivable)."""
    def vec(cell):
        return atoms.vector(atoms.mask(cell))

    m = np.array([vec(c) for c in shown])
    _u, s, vt = np.linalg.svd(m, full_matrices=False)
    basis = vt[: int((s > 1e-9 * s[0]).sum())]
    targets = np.array([vec(c) for c in protected]).reshape(len(protected), -1)
    residual = np.linalg.norm(targets - (targets @ basis.T) @ basis, axis=1)
    return [cell for cell, r in zip(protected, residual, strict=True) if r < 1e-6]


# --- the tests -------------------------------------------------------------------------------------

def test_editions_only_ever_add(editions):
    """A month closing never un-hides, changes or withdraws what an earlier edition published."""
    for before, after in itertools.pairwise(editions):
        for cell in before.published_cells:
            assert cell in after.published_cells
            assert (cell in before.hidden) == (cell in after.hidden), cell
            assert before.values[cell] == after.values[cell]
        for key, status in before.scopes.items():
            assert after.scopes[key] == status


def test_the_figures_are_the_raw_counts(editions):
    final = editions[-1]
    atoms = Atoms(seeded_year())
    for cell, v in final.values.items():
        assert atoms.total(atoms.mask(cell)) == v, cell


def test_no_sum_or_difference_of_published_figures_reveals_anything(editions, record_property):
    final = editions[-1]
    atoms = Atoms(seeded_year())
    shown, protected = published(final)
    attack = Attack(atoms, shown, protected)
    attack.pairs()
    pairs = attack.tried
    attack.total_minus_parts(final)
    assert attack.found == [], attack.found[:10]
    exposed = span_check(atoms, shown, protected)
    assert exposed == [], exposed[:10]
    total = attack.tried + len(protected)
    message = (f"differencing: {attack.tried:,} sums and differences tried ({pairs:,} over pairs of the "
               f"{len(shown):,} published figures, {attack.tried - pairs:,} of a figure minus sets of its parts); "
               f"{len(protected):,} hidden or unpublished figures checked against every linear combination of the "
               f"published ones; {total:,} checks in all")
    print(message)
    record_property("differencing", message)
    assert len(shown) > 500 and len(protected) > 200 and attack.tried > 1_000_000


def test_the_year_minus_eleven_months_does_not_give_december(editions):
    """The issue's counter-example: 湖南省 clues, year − (January … November) = December."""
    final = editions[-1]
    dec = (f"{YEAR}-12", "430000", ALL, "clues")
    assert final.values[dec] == 2 and dec in final.hidden
    figures = [(str(YEAR), "430000", ALL, "clues")] + [(f"{YEAR}-{m:02d}", "430000", ALL, "clues") for m in range(1, 12)]
    assert any(f in final.hidden for f in figures), "the year and all eleven months are shown"
    # December's own page is refused (6 reports), and none of its breakdown can be worked out
    assert final.scopes[(f"{YEAR}-12", "430000")] != "published"
    atoms = Atoms(seeded_year())
    shown, protected = published(final)
    december = [c for c in protected if c[0] == f"{YEAR}-12" and c[1] == "430000"]
    assert december and span_check(atoms, shown, december) == []


def test_the_minimum_scope_holds_for_remainders(editions):
    """Along every period and region line whose total page is published, the refused parts
    together received at least 20 reports (or are empty)."""
    final = editions[-1]
    for p in final.periods:
        for node in {n for (_p, n) in final.scopes}:
            if final.scopes.get((p, node)) != "published":
                continue
            lines = [[(x, node) for x in lattice.period_parts(p)]]
            lines.append([(p, ch) for ch in final.children.get(node, [])])
            for members in lines:
                if not members or not all(m in final.scopes for m in members):
                    continue
                refused = [m for m in members if final.scopes[m] != "published"]
                active = [m for m in refused if final.values[(m[0], m[1], ALL, "reports")]
                          + final.values[(m[0], m[1], ALL, "clues")] + final.values[(m[0], m[1], ALL, "concluded")]]
                if active:
                    assert sum(final.scope_reports[m] for m in refused) >= MIN_SCOPE, (p, node, refused)


def test_the_attack_finds_the_counterexample_when_periods_are_suppressed_separately(monkeypatch):
    """The checker has teeth: without the period lines (each period suppressed on its own, as
    before) the year minus January–November gives December and the attack says so."""
    monkeypatch.setattr(lattice, "period_parts", lambda key: [])
    months = seeded_year()
    result = solve(months, tree(), k=K, min_scope=MIN_SCOPE)
    monkeypatch.undo()
    atoms = Atoms(months)
    shown, protected = published(result)
    assert span_check(atoms, shown, protected)                       # hidden figures fall out …
    attack = Attack(atoms, shown, protected)
    attack.total_minus_parts(result)
    assert any(f[0] == "hidden figure" for f in attack.found)       # … by plain subtraction too
