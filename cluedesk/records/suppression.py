"""Small-cell suppression for published tables, with complementary suppression. Pure Python.

A table — or the whole lattice of published periods × regions × categories — is a set of cells
(key → count) and *lines*: a list of member cells whose sum is a total cell (a column of regions
and its total, the outcomes of a row and the row's concluded count, the months of a quarter and the
quarter, the categories of a region and the region).

The rule (printed with every published table, see ``statistics.rule_text``):

1. *Primary*: a count from 1 to k−1 is hidden (k is the threshold, default 5). Zero is shown:
   it names nobody. Cells the caller *forces* (not published at all, or hidden in an earlier
   edition) are hidden too.
2. *Complementary*: in every line with a hidden non-zero cell, at least two entries are hidden and,
   while the line's total is shown, the hidden members together hold at least k; otherwise the
   smallest shown member that may still be hidden (non-zero first) is hidden too, else the total,
   and the check repeats. Cells the caller *fixes* (already shown in an earlier edition) are never
   picked.
3. *No derivation*: no hidden non-zero cell may be computable from the shown cells through any
   combination of the lines. Checked exactly (``derivable``); while one is, one more cell of one
   of its lines is hidden.
4. *No small difference*: for two shown cells one inside the other (not only along one line: a
   region and a county two levels down, a year and one region's month), the difference is 0 or at
   least k (``separate_nested``, given the pairs by the caller).
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Key = Any  # any hashable: (row, column) in a table, (period, region, category, column) in the lattice

PRIME = (1 << 61) - 1  # arithmetic of the exact check: integers modulo this prime


@dataclass(frozen=True)
class Line:
    members: tuple[Key, ...]
    total: Key


def _order(key: Key) -> str:
    return str(key)


class Suppressor:
    """Runs rules 1–3 over ``values`` and ``lines``; ``hidden`` holds the result."""

    def __init__(self, values: dict[Key, int], lines: Sequence[Line], k: int, *,
                 forced: Collection[Key] = (), fixed: Collection[Key] = (),
                 sensitive: Callable[[Key], bool] | None = None, rank: Callable[[Key], Any] | None = None) -> None:
        self.values = values
        self.rank = rank or (lambda key: (values.get(key, 0) == 0, values.get(key, 0), _order(key)))
        self.lines = list(lines)
        self.k = k
        self.fixed = set(fixed)
        self.sensitive = sensitive or (lambda key: values.get(key, 0) > 0)
        self.hidden: set[Key] = {key for key, v in values.items() if 0 < v < k} | set(forced)
        self.by_cell: dict[Key, list[int]] = defaultdict(list)
        for i, line in enumerate(self.lines):
            for key in (*line.members, line.total):
                self.by_cell[key].append(i)
        self.rounds = 0
        self.clean: set[frozenset[Key]] = set()
        self.strikes: dict[Key, int] = {}

    # rule 2 ---------------------------------------------------------------------------------
    def needs_more(self, line: Line) -> bool:
        hidden = self.hidden
        entries = [*line.members, line.total]
        hidden_entries = [e for e in entries if e in hidden]
        if not hidden_entries or not any(self.sensitive(e) for e in hidden_entries):
            return False
        if len(hidden_entries) == 1:
            return True
        if line.total not in hidden:
            return sum(self.values.get(m, 0) for m in line.members if m in hidden) < self.k
        return False

    def pick(self, line: Line) -> Key | None:
        """The entry to hide next in ``line``: its smallest shown member that may be hidden
        (non-zero first), else its total."""
        free = [m for m in line.members if m not in self.hidden and m not in self.fixed]
        if free:
            return min(free, key=self.rank)
        if line.total not in self.hidden and line.total not in self.fixed:
            return line.total
        return None

    def complete_lines(self, todo: set[int] | None = None) -> None:
        """Rule 2 until every line holds; only the lines in ``todo`` (and those their new hidden
        cells touch) are looked at."""
        queue = list(range(len(self.lines))) if todo is None else sorted(todo)
        heapq.heapify(queue)
        queued = set(queue)
        while queue:
            i = heapq.heappop(queue)
            queued.discard(i)
            line = self.lines[i]
            while self.needs_more(line):
                extra = self.pick(line)
                if extra is None:
                    break
                self.hidden.add(extra)
                for j in self.by_cell[extra]:
                    if j not in queued:
                        queued.add(j)
                        heapq.heappush(queue, j)

    # rule 3 ---------------------------------------------------------------------------------
    # rule 4 ---------------------------------------------------------------------------------
    def separate_nested(self, pairs: Iterable[tuple[Key, Key]], activity: Callable[[Key], int] | None = None) -> int:
        """For each pair (a, b) where b lies inside a (a region and one of its smaller regions, a
        year and one of its months, both at once, …) and both are shown: a − b must be 0 or at
        least k, else b is hidden (or a, if b is fixed). Hiding never makes a new shown pair, so one
        pass is enough. ``activity`` says whether a difference holds anything at all (by default
        its value). Returns how many pairs were looked at."""
        activity = activity or (lambda key: self.values.get(key, 0))
        n = 0
        for a, b in pairs:
            n += 1
            if a in self.hidden or b in self.hidden:
                continue
            if 0 <= self.values.get(a, 0) - self.values.get(b, 0) < self.k and activity(a) - activity(b) > 0:
                extra = b if b not in self.fixed else (a if a not in self.fixed else None)
                if extra is None:
                    raise SuppressionError(f"{a} minus {b} is below {self.k} and both are fixed")
                self.hidden.add(extra)
        return n

    def run(self, exact: bool = True) -> set[Key]:
        self.complete_lines()
        if not exact:
            return self.hidden
        while True:
            self.rounds += 1
            exposed = derivable(self.values, self.hidden, self.lines,
                                targets={h for h in self.hidden if self.sensitive(h)}, clean=self.clean)
            if not exposed:
                return self.hidden
            touched: set[int] = set()
            added = False
            for target in sorted(exposed, key=_order):
                if set(self.by_cell[target]) & touched:
                    continue  # a complement was added to one of its lines this round: check again first
                self.strikes[target] = self.strikes.get(target, 0) + 1
                extras = []
                if self.strikes[target] > 1:  # one complement was not enough: one more in each of its lines
                    extras = [e for e in (self.pick(self.lines[i]) for i in self.by_cell[target]) if e is not None]
                if not extras:
                    extras = [e for e in [self._complement(target)] if e is not None]
                for extra in extras:
                    self.hidden.add(extra)
                    added = True
                    touched.update(self.by_cell[extra])
                touched.update(self.by_cell[target])
            if not added:
                raise SuppressionError(f"cannot protect {sorted(map(_order, exposed))[:5]}: every cell near it is fixed")
            self.complete_lines(touched)

    def _complement(self, target: Key) -> Key | None:
        """A cell to hide so that ``target`` may stop being derivable: the best candidate in one of
        its lines, else in the lines of the hidden cells next to it (breadth first)."""
        seen_cells = {target}
        frontier = [target]
        seen_lines: set[int] = set()
        while frontier:
            best: tuple[Any, ...] | None = None
            nxt = []
            for cell in frontier:
                for i in self.by_cell[cell]:
                    if i in seen_lines:
                        continue
                    seen_lines.add(i)
                    line = self.lines[i]
                    extra = self.pick(line)
                    if extra is not None:
                        rank = self.rank(extra)
                        if best is None or rank < best[0]:
                            best = (rank, extra)
                    for e in (*line.members, line.total):
                        if e in self.hidden and e not in seen_cells:
                            seen_cells.add(e)
                            nxt.append(e)
            if best is not None:
                return best[1]
            frontier = nxt
        return None


class SuppressionError(RuntimeError):
    """No cell may be hidden to protect a derivable one (only when fixed cells leave no choice)."""


def suppress(values: dict[Key, int], lines: Sequence[Line], k: int, forced: Collection[Key] | None = None, *,
             fixed: Collection[Key] = (), sensitive: Callable[[Key], bool] | None = None,
             exact: bool = True) -> set[Key]:
    """The set of cells to hide (``forced``: hidden for a reason outside these values; ``fixed``:
    shown already, never picked as a complement; ``sensitive``: which hidden cells need protecting,
    by default the non-zero ones; ``exact``: run rule 3)."""
    return Suppressor(values, lines, k, forced=forced or (), fixed=fixed, sensitive=sensitive).run(exact)


# --- rule 3: the exact check ----------------------------------------------------------------------

def _components(hidden: set[Key], rows: list[dict[Key, int]]) -> list[tuple[list[int], set[Key]]]:
    parent: dict[Key, Key] = {}

    def find(x: Key) -> Key:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for row in rows:
        keys = list(row)
        a = find(keys[0])
        for other in keys[1:]:
            b = find(other)
            if a != b:
                parent[b] = a
    groups: dict[Key, tuple[list[int], set[Key]]] = {}
    for i, row in enumerate(rows):
        root = find(next(iter(row)))
        groups.setdefault(root, ([], set()))[0].append(i)
    for key in hidden:
        root = find(key)
        if root in groups:
            groups[root][1].add(key)
    return list(groups.values())


def _null_vectors(rows: list[dict[int, int]], variables: list[int], n: int, rng: random.Random) -> list[dict[int, int]]:
    """``n`` random vectors of the null space of ``rows`` (sparse, variables numbered, over the
    integers modulo PRIME): sparse Gaussian elimination, pivoting on the variable in the fewest
    rows, then random values for the free variables and back-substitution."""
    p = PRIME
    work: dict[int, dict[int, int]] = {}
    for i, r in enumerate(rows):
        r = {k: v % p for k, v in r.items() if v % p}
        if r:
            work[i] = r
    where: dict[int, set[int]] = defaultdict(set)
    for i, r in work.items():
        for k in r:
            where[k].add(i)
    pivots: list[tuple[int, int, dict[int, int]]] = []
    heap = [(len(s), k) for k, s in where.items()]
    heapq.heapify(heap)
    while heap:
        count, var = heapq.heappop(heap)
        rows_of = where.get(var)
        if not rows_of:
            continue
        if count != len(rows_of):
            heapq.heappush(heap, (len(rows_of), var))
            continue
        pi = min(rows_of, key=lambda i: (len(work[i]), i))
        prow = work.pop(pi)
        for k in prow:
            where[k].discard(pi)
        inv = pow(prow[var], p - 2, p)
        others = [(k, v) for k, v in prow.items() if k != var]
        for ri in list(rows_of):
            r = work[ri]
            f = r.pop(var) * inv % p
            for k, v in others:
                old = r.get(k)
                if old is None:
                    r[k] = (-f * v) % p
                    rows_k = where[k]
                    rows_k.add(ri)
                    heapq.heappush(heap, (len(rows_k), k))
                else:
                    nv = (old - f * v) % p
                    if nv:
                        r[k] = nv
                    else:
                        del r[k]
                        where[k].discard(ri)
            if not r:
                del work[ri]
        del where[var]
        pivots.append((var, inv, prow))
    pivot_vars = {v for v, _i, _r in pivots}
    out = []
    for _ in range(n):
        x = {v: rng.randrange(1, p) for v in variables if v not in pivot_vars}
        for var, inv, prow in reversed(pivots):
            total = sum(c * x[k] for k, c in prow.items() if k != var) % p
            x[var] = (-total * inv) % p
        out.append(x)
    return out


def derivable(values: dict[Key, int], hidden: set[Key], lines: Sequence[Line],
              targets: Collection[Key] | None = None, *, seed: int = 0,
              clean: set[frozenset[Key]] | None = None) -> list[Key]:
    """The hidden cells (of ``targets``, by default all) that the shown cells determine through
    the lines' equations.

    A hidden cell x is determined exactly when every solution of the lines' equations over the
    hidden cells gives it the same value, that is when x is zero in every vector of the null space
    of the equations' matrix. Two random null vectors are drawn (modulo a 61-bit prime); x is
    reported when it is zero in both. A determined cell is always reported; an undetermined one is
    reported by mistake only with probability below 2^-120, and then merely hidden further.
    ``clean``: components (as sets of hidden cells) already found to hold no derivable target —
    skipped, since the same hidden cells under the same lines give the same answer — and where the
    clean ones of this call are added.
    """
    hidden = set(hidden)
    want = hidden if targets is None else set(targets) & hidden
    if not want:
        return []
    order = sorted(hidden, key=_order)
    number = {key: i for i, key in enumerate(order)}
    rows: list[dict[int, int]] = []
    for line in lines:
        row: dict[int, int] = {}
        for m in line.members:
            i = number.get(m)
            if i is not None:
                row[i] = row.get(i, 0) + 1
        i = number.get(line.total)
        if i is not None:
            row[i] = row.get(i, 0) - 1
        row = {k: v for k, v in row.items() if v}
        if row:
            rows.append(row)
    rng = random.Random(seed)
    wanted = {number[key] for key in want}
    out: list[Key] = []
    for row_ids, variables in _components(set(range(len(order))), rows):
        if not variables & wanted:
            continue
        name = frozenset(order[v] for v in variables)
        if clean is not None and name in clean:
            continue
        vectors = _null_vectors([rows[i] for i in row_ids], sorted(variables), 2, rng)
        found = [order[v] for v in variables & wanted if all(x[v] == 0 for x in vectors)]
        if not found and clean is not None:
            clean.add(name)
        out.extend(found)
    return sorted(out, key=_order)


def grid_lines(rows: Sequence[str], total_row: str, columns: Sequence[str], row_total_col: str | None,
               additive_cols: Sequence[str]) -> list[Line]:
    """Lines of a rows × columns table: each column sums over ``rows`` to ``total_row``; in each
    row (the total row too) the ``additive_cols`` sum to ``row_total_col``."""
    lines = [Line(tuple((r, c) for r in rows), (total_row, c)) for c in columns]
    if row_total_col is not None and additive_cols:
        for r in [*rows, total_row]:
            lines.append(Line(tuple((r, c) for c in additive_cols), (r, row_total_col)))
    return lines
