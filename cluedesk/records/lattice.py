"""The lattice of one year's published statistics: periods × regions × categories × columns, and its
suppression as one problem. Pure Python (no database): ``statistics`` feeds it the frozen monthly
counts and the region tree, and stores what it returns.

**Cells.** A cell is ``(period, node, category, column)``: a period is a year ``"2026"``, a quarter
``"2026-Q1"`` or a month ``"2026-03"``; a node is a region code, or ``"~" + code`` for what is placed
at that region itself rather than in one of its smaller regions; the category ``"*"`` is every
category; the columns are reports received, clues, verifications concluded and the concluded ones
by outcome. Every figure on every published page is one cell, and a cell is the same cell on every
page that shows it (a province's row on the nation's page is the province's own total): one source.

**Depth.** Months are published down to provinces, quarters and years down to cities
(``DEPTH``); a published region's table lists its smaller regions one level further down.

**Lines.** Every sum that holds between cells is a line: outcomes → concluded (with a conclusion's
further outcomes counted too: outcomes → their sum ← concluded + further, see ``solve``); categories → all;
smaller regions (and what is placed at the region itself) → region; months → quarter; quarters →
year. Suppression runs over all of them at once, so no combination of figures — across tables,
regions or periods — yields a hidden one.

**Scopes.** A page (period, region) is published only when the region received at least
``min_scope`` reports in the period; scopes are themselves suppressed along the period and region
lines (with ``min_scope`` as the threshold), so that no published page minus other published pages
leaves a remainder of fewer than ``min_scope`` reports (a year minus eleven published months, a
province minus its published cities). What is on no page is hidden in every line it belongs to.

**Nested pairs.** Two shown figures one inside the other — a region and a county two levels down,
a year and one region's month — never differ by 1 to k−1, and two published pages one inside the
other never differ by fewer than ``min_scope`` reports (rule 4 of ``suppression``).

**Editions.** During a year the lattice grows as months close. What an earlier edition showed is
``fixed`` (stays shown, never picked as a complement) and what it hid or refused stays hidden, so
the union of all editions ever published is as safe as the latest one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .suppression import Line, Suppressor

ALL = "*"
OUTCOMES = ["criminal_case", "admin_penalty", "discipline", "transferred", "no_action"]  # Conclusion.Outcome
COLUMNS = ["reports", "clues", "concluded", *OUTCOMES]
OUTCOMES_SUM, FURTHER = "_outcomes", "_further"  # internal columns of the outcome line, on no page
CATEGORY_COLUMNS = ["clues", "concluded", *OUTCOMES]
DEPTH = {"month": 1, "quarter": 2, "year": 2}  # the deepest region level with a page, per kind of period

Cell = tuple[str, str, str, str]  # (period, node, category, column)
ScopeKey = tuple[str, str]        # (period, node)


# --- periods -----------------------------------------------------------------------------------

def period_kind(key: str) -> str:
    if "-Q" in key:
        return "quarter"
    return "month" if "-" in key else "year"


def period_months(key: str) -> list[dt.date]:
    kind = period_kind(key)
    year = int(key[:4])
    if kind == "year":
        return [dt.date(year, m, 1) for m in range(1, 13)]
    if kind == "quarter":
        q = int(key[-1])
        return [dt.date(year, 3 * (q - 1) + m, 1) for m in (1, 2, 3)]
    return [dt.date(year, int(key[5:7]), 1)]


def period_parts(key: str) -> list[str]:
    """The periods a period is the sum of (months of a quarter, quarters of a year)."""
    kind = period_kind(key)
    if kind == "year":
        return [f"{key}-Q{q}" for q in (1, 2, 3, 4)]
    if kind == "quarter":
        return [f"{m:%Y-%m}" for m in period_months(key)]
    return []


def closed_periods(year: int, months: Iterable[dt.date]) -> list[str]:
    """The months, quarters and year of ``year`` all of whose months are in ``months``."""
    have = {m for m in months if m.year == year}
    out = [f"{m:%Y-%m}" for m in sorted(have)]
    out += [f"{year}-Q{q}" for q in (1, 2, 3, 4) if all(m in have for m in period_months(f"{year}-Q{q}"))]
    if len(have) == 12:
        out.append(str(year))
    return out


# --- the region tree ---------------------------------------------------------------------------

@dataclass
class Tree:
    """Regions by code: ``parent`` (None for the root) and ``level`` (0 nation … 3 county);
    ``leaves``: regions with no smaller region below them."""

    parent: dict[str, str | None]
    level: dict[str, int]
    leaves: set[str]

    def node_level(self, node: str) -> int:
        return self.level[node[1:]] + 1 if node.startswith("~") else self.level[node]

    def chain(self, position: str) -> list[str]:
        """The nodes an item placed at ``position`` counts in, from the smallest up."""
        first = position if position in self.leaves else "~" + position
        out = [first] if first != position else []
        node: str | None = position
        while node is not None:
            out.append(node)
            node = self.parent.get(node)
        return out


# --- monthly counts ----------------------------------------------------------------------------

def month_cells(atoms: dict[str, Any], tree: Tree) -> dict[tuple[str, str, str], int]:
    """(node, category, column) → count for one month's frozen counts (see ``statistics.month_atoms``)."""
    out: dict[tuple[str, str, str], int] = defaultdict(int)
    for pos, n in atoms.get("reports", {}).items():
        for node in tree.chain(pos):
            out[(node, ALL, "reports")] += n
    for pos, by_cat in atoms.get("clues", {}).items():
        chain = tree.chain(pos)
        for cat, n in by_cat.items():
            for node in chain:
                out[(node, ALL, "clues")] += n
                out[(node, cat, "clues")] += n
    for pos, by_cat in atoms.get("outcomes", {}).items():
        chain = tree.chain(pos)
        for cat, by_outcome in by_cat.items():
            for outcome, n in by_outcome.items():
                for node in chain:
                    for c in (ALL, cat):
                        out[(node, c, outcome)] += n
                        out[(node, c, "concluded")] += n
    # a conclusion's further outcomes (a criminal case and a discipline referral): counted under
    # each outcome, not again as a verification concluded
    for pos, by_cat in atoms.get("further", {}).items():
        chain = tree.chain(pos)
        for cat, by_outcome in by_cat.items():
            for outcome, n in by_outcome.items():
                for node in chain:
                    for c in (ALL, cat):
                        out[(node, c, outcome)] += n
    return out


# --- the problem -------------------------------------------------------------------------------

@dataclass
class Fixed:
    """What earlier editions of the year published: cells shown (with their values), cells hidden,
    scopes published and scopes refused (including the ``~`` remainders)."""

    shown: dict[Cell, int] = field(default_factory=dict)
    hidden: set[Cell] = field(default_factory=set)
    published: set[ScopeKey] = field(default_factory=set)
    refused: set[ScopeKey] = field(default_factory=set)


@dataclass
class Result:
    periods: list[str]
    values: dict[Cell, int]
    lines: list[Line]
    hidden: set[Cell]
    published_cells: set[Cell]
    scopes: dict[ScopeKey, str]           # "published" | "small" | "complement" (``~`` remainders too)
    scope_reports: dict[ScopeKey, int]
    children: dict[str, list[str]]        # node → its smaller regions (and ``~`` node) that are active
    categories: dict[str, list[str]]      # node → its active categories
    stats: dict[str, int] = field(default_factory=dict)

    def shown(self, period: str, node: str, category: str, columns: list[str]) -> dict[str, int | None]:
        return {col: None if (period, node, category, col) in self.hidden else self.values[(period, node, category, col)]
                for col in columns}

    def pages(self) -> dict[ScopeKey, dict[str, Any]]:
        """Every published page: its total, region rows and category rows, shown values or None."""
        out = {}
        for (period, node), status in self.scopes.items():
            if status != "published" or node.startswith("~"):
                continue
            rows = self.children.get(node, [])
            cats = self.categories.get(node, [])
            out[(period, node)] = {
                "period": period, "division": node, "total": self.shown(period, node, ALL, COLUMNS),
                "rows": rows, "regions": {n: self.shown(period, n, ALL, COLUMNS) for n in rows},
                "categories": cats, "by_category": {c: self.shown(period, node, c, CATEGORY_COLUMNS) for c in cats},
            }
        return out


def solve(months: dict[dt.date, dict[str, Any]], tree: Tree, *, k: int, min_scope: int,
          fixed: Fixed | None = None) -> Result:
    """Suppress the lattice of the year whose frozen months are ``months`` (every month of the
    year that has closed; their counts never change)."""
    fixed = fixed or Fixed()
    year = next(iter(months)).year
    periods = closed_periods(year, months)
    # values of every (period, node, category, column)
    per_month = {f"{m:%Y-%m}": month_cells(a, tree) for m, a in months.items()}
    full: dict[str, dict[tuple[str, str, str], int]] = dict(per_month)
    for p in periods:
        if p in full:
            continue
        acc: dict[tuple[str, str, str], int] = defaultdict(int)
        for m in period_months(p):
            for key, count in per_month[f"{m:%Y-%m}"].items():
                acc[key] += count
        full[p] = acc
    # what is active in the year: regions (and remainders) with any count, their categories
    active: set[str] = set()
    cats: dict[str, set[str]] = defaultdict(set)
    for cells in per_month.values():
        for (node, cat, _col), count in cells.items():
            if count:
                active.add(node)
                if cat != ALL:
                    cats[node].add(cat)
    children: dict[str, list[str]] = defaultdict(list)
    for node in active:
        up = node[1:] if node.startswith("~") else tree.parent.get(node)
        if up is not None:
            children[up].append(node)
    for node in children:
        children[node].sort(key=lambda n: (n.startswith("~"), n))
    categories = {n: sorted(c, key=lambda c: (c == "", c)) for n, c in cats.items()}
    level = {n: tree.node_level(n) for n in active}
    ordered = sorted(active)  # every loop in a fixed order: the same counts give the same publication

    def depth(p: str) -> int:
        return DEPTH[period_kind(p)]

    def in_rows(p: str, n: str) -> bool:
        return level[n] <= depth(p) + 1

    def has_categories(p: str, n: str) -> bool:
        return level[n] <= depth(p) if not n.startswith("~") else level[n] - 1 < depth(p)

    values: dict[Cell, int] = {}
    for p in periods:
        src = full[p]
        for n in ordered:
            if not in_rows(p, n):
                continue
            for col in COLUMNS:
                values[(p, n, ALL, col)] = src.get((n, ALL, col), 0)
            if has_categories(p, n):
                for c in categories.get(n, []):
                    for col in CATEGORY_COLUMNS:
                        values[(p, n, c, col)] = src.get((n, c, col), 0)

    lines: list[Line] = []
    internal: dict[Cell, int] = {}  # cells of no page: T (the outcomes' sum) and M (further outcomes)
    internal_lines: list[Line] = []

    def add(members: list[Cell], total: Cell) -> None:
        if members and total in values and all(m in values for m in members):
            lines.append(Line(tuple(members), total))

    for (p, n, c, col) in list(values):
        if col == "concluded":
            # outcomes → their sum T, and concluded + M → T, where M (further outcomes beyond the
            # first) is taken as known to a reader and T is not published: the same protection as
            # "outcomes → concluded" when every conclusion has one outcome (then M = 0)
            t_cell, m_cell = (p, n, c, OUTCOMES_SUM), (p, n, c, FURTHER)
            internal[t_cell] = sum(values.get((p, n, c, o), 0) for o in OUTCOMES)
            internal[m_cell] = internal[t_cell] - values[(p, n, c, col)]
            if all((p, n, c, o) in values for o in OUTCOMES):
                internal_lines.append(Line(tuple((p, n, c, o) for o in OUTCOMES), t_cell))
                internal_lines.append(Line(((p, n, c, col), m_cell), t_cell))
        if c == ALL and col != "reports" and has_categories(p, n) and categories.get(n):
            add([(p, n, x, col) for x in categories[n]], (p, n, c, col))
        if not n.startswith("~") and children.get(n) and level[n] <= depth(p) and (c == ALL or level[n] < depth(p)):
            members = [(p, ch, c, col) for ch in children[n] if c == ALL or c in cats.get(ch, ())]
            add(members, (p, n, c, col))
        parts = period_parts(p)
        if parts and all(x in full for x in parts):
            add([(x, n, c, col) for x in parts], (p, n, c, col))

    # scopes: pages (period, region) and the remainders placed at a region itself
    scope_reports: dict[ScopeKey, int] = {}
    activity: dict[ScopeKey, int] = {}
    for p in periods:
        for n in ordered:
            real = not n.startswith("~")
            if (real and level[n] <= depth(p)) or (not real and level[n] - 1 < depth(p)):
                scope_reports[(p, n)] = values[(p, n, ALL, "reports")]
                activity[(p, n)] = sum(values[(p, n, ALL, col)] for col in ("reports", "clues", "concluded"))
    scope_lines: list[Line] = []
    for (p, n) in scope_reports:
        if not n.startswith("~") and children.get(n) and level[n] < depth(p):
            parts_n = [(p, ch) for ch in children[n]]
            if all(m in scope_reports for m in parts_n):
                scope_lines.append(Line(tuple(parts_n), (p, n)))
        parts = period_parts(p)
        if parts and all((x, n) in scope_reports for x in parts):
            scope_lines.append(Line(tuple((x, n) for x in parts), (p, n)))
    refused_forced = {s for s, r in scope_reports.items() if r < min_scope} | (fixed.refused & set(scope_reports))
    scope_pass = Suppressor(scope_reports, scope_lines, min_scope, forced=refused_forced,
                            fixed=fixed.published & set(scope_reports), sensitive=lambda s: activity[s] > 0,
                            rank=lambda s: (not s[1].startswith("~"), scope_reports[s] == 0, scope_reports[s], s))
    # (refusing a remainder placed at a region itself costs no page: it goes first)

    def up_periods(p: str) -> list[str]:
        out = [x for x in periods if x != p and set(period_months(p)) <= set(period_months(x))]
        return out

    def up_nodes(n: str) -> list[str]:
        out = []
        node = n[1:] if n.startswith("~") else tree.parent.get(n)
        while node is not None:
            out.append(node)
            node = tree.parent.get(node)
        return out

    ups = {p: [p, *up_periods(p)] for p in periods}

    def scope_pairs() -> Any:
        for (p, n) in sorted(scope_reports):
            if n.startswith("~"):
                continue
            for pa in ups[p]:
                for na in [n, *up_nodes(n)]:
                    if (pa, na) != (p, n) and (pa, na) in scope_reports:
                        yield (pa, na), (p, n)

    pairs_a = scope_pass.separate_nested(scope_pairs(), activity=lambda s: activity[s])
    refused = scope_pass.run(exact=False)
    scopes: dict[ScopeKey, str] = {}
    for s, r in scope_reports.items():
        if s not in refused:
            scopes[s] = "published"
        else:
            scopes[s] = "small" if r < min_scope else "complement"

    # cells on a published page
    published: set[Cell] = set()
    for (p, n), status in scopes.items():
        if status != "published" or n.startswith("~"):
            continue
        for col in COLUMNS:
            published.add((p, n, ALL, col))
            for ch in children.get(n, []):
                published.add((p, ch, ALL, col))
        for c in categories.get(n, []):
            for col in CATEGORY_COLUMNS:
                published.add((p, n, c, col))
    for cell, v in fixed.shown.items():
        if cell not in published or values.get(cell) != v:
            raise ValueError(f"an earlier edition showed {cell} = {v}; now {values.get(cell)}")

    def sensitive(cell: Cell) -> bool:
        if values.get(cell, 0) <= 0:
            return False
        p, n, c, _col = cell
        # what is placed at a region itself, with enough reports, may be worked out (like a page)
        return not (n.startswith("~") and c != ALL and scopes.get((p, n)) == "published")

    forced = (set(values) - published) | (fixed.hidden & set(values))
    sums = {cell for cell in internal if cell[3] == OUTCOMES_SUM}
    cell_pass = Suppressor({**values, **internal}, lines + internal_lines, k, forced=forced | sums,
                           fixed=set(fixed.shown) | (set(internal) - sums),
                           sensitive=lambda cell: cell not in internal and sensitive(cell))
    cell_pass.hidden -= set(internal) - sums  # M is known to a reader, however small (rule 1 would hide it)
    node_ups = {n: [n, *up_nodes(n)] for n in active}
    outcomes = set(OUTCOMES)

    def cell_pairs() -> Any:
        for b in sorted(published):
            p, n, c, col = b
            cats_up = [c] if c == ALL else [c, ALL]
            cols_up = [col, "concluded"] if col in outcomes else [col]
            for pa in ups[p]:
                for na in node_ups[n]:
                    for ca in cats_up:
                        for cola in cols_up:
                            a = (pa, na, ca, cola)
                            if a != b and a in published:
                                yield a, b

    pairs_b = cell_pass.separate_nested(cell_pairs())
    hidden = cell_pass.run(exact=True) - set(internal)
    result = Result(periods=periods, values=values, lines=lines, hidden=hidden, published_cells=published,
                    scopes=scopes, scope_reports=scope_reports, children=dict(children), categories=categories)
    result.stats = {"cells": len(values), "lines": len(lines), "hidden": len(hidden & published),
                    "unpublished": len(set(values) - published), "scopes": len(scopes),
                    "pages": sum(1 for (_p, n), s in scopes.items() if s == "published" and not n.startswith("~")),
                    "rounds": cell_pass.rounds, "nested_pairs": pairs_a + pairs_b}
    return result
