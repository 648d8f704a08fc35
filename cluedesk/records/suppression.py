"""Small-cell suppression for published tables, with complementary suppression. Pure Python + numpy.

A table is a set of cells (key → count) and *lines*: a list of member cells whose sum is a total
cell (a column of regions and its total, the outcomes of a row and the row's concluded count).

The rule (printed with every published table, see ``RULE``):

1. *Primary*: a count from 1 to k−1 is hidden (k is the threshold, default 5). Zero is shown:
   it names nobody.
2. *Complementary*: in every line with a hidden cell, at least two cells are hidden and, while the
   line's total is shown, the hidden cells together hold at least k; otherwise the smallest
   shown cell of the line (non-zero first) is hidden too, and the check repeats.
3. *No derivation*: no hidden cell may be computable from the shown cells through any
   combination of the lines (checked exactly with linear algebra: a hidden cell is derivable
   when its unit vector lies in the row space of the lines' equations over the hidden cells);
   when one is, one more cell of one of its lines is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Key = tuple[str, str]  # (row, column)


@dataclass(frozen=True)
class Line:
    members: tuple[Key, ...]
    total: Key


def _pick(line: Line, values: dict[Key, int], hidden: set[Key]) -> Key | None:
    shown = [m for m in line.members if m not in hidden]
    if shown:
        return min(shown, key=lambda m: (values[m] == 0, values[m], str(m)))
    return line.total if line.total not in hidden else None


def _line_needs_more(line: Line, values: dict[Key, int], hidden: set[Key], k: int) -> bool:
    entries = [*line.members, line.total]
    n_hidden = sum(1 for e in entries if e in hidden)
    if n_hidden == 0:
        return False
    if n_hidden == 1:
        return True
    if line.total not in hidden:
        return sum(values[m] for m in line.members if m in hidden) < k
    return False


def derivable(values: dict[Key, int], hidden: set[Key], lines: Sequence[Line]) -> list[Key]:
    """The hidden cells that the shown cells determine through the lines' equations."""
    order = sorted(hidden, key=str)
    if not order:
        return []
    index = {key: i for i, key in enumerate(order)}
    rows = []
    for line in lines:
        row = np.zeros(len(order))
        touched = False
        for m in line.members:
            if m in index:
                row[index[m]] += 1.0
                touched = True
        if line.total in index:
            row[index[line.total]] -= 1.0
            touched = True
        if touched:
            rows.append(row)
    if not rows:
        return []
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    out = []
    for key, i in index.items():
        unit = np.zeros(len(order))
        unit[i] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append(key)
    return out


def suppress(values: dict[Key, int], lines: Sequence[Line], k: int, forced: set[Key] | None = None) -> set[Key]:
    """The set of cells to hide (``forced``: cells hidden for a reason outside this table)."""
    hidden = {key for key, v in values.items() if 0 < v < k} | set(forced or ())
    while True:
        changed = False
        for line in lines:
            while _line_needs_more(line, values, hidden, k):
                extra = _pick(line, values, hidden)
                if extra is None:
                    break
                hidden.add(extra)
                changed = True
        if changed:
            continue
        exposed = derivable(values, hidden, lines)
        if not exposed:
            return hidden
        target = exposed[0]
        for line in lines:
            if target in line.members or target == line.total:
                extra = _pick(line, values, hidden)
                if extra is not None:
                    hidden.add(extra)
                    changed = True
                    break
        if not changed:  # every cell of its lines is hidden already: nothing more can be done
            return hidden


def grid_lines(rows: Sequence[str], total_row: str, columns: Sequence[str], row_total_col: str | None,
               additive_cols: Sequence[str]) -> list[Line]:
    """Lines of a rows × columns table: each column sums over ``rows`` to ``total_row``; in each
    row (the total row too) the ``additive_cols`` sum to ``row_total_col``."""
    lines = [Line(tuple((r, c) for r in rows), (total_row, c)) for c in columns]
    if row_total_col is not None and additive_cols:
        for r in [*rows, total_row]:
            lines.append(Line(tuple((r, c) for c in additive_cols), (r, row_total_col)))
    return lines
