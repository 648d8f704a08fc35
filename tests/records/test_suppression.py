"""Suppression on constructed tables, and a property test: no shown cell is below the threshold
and no hidden non-zero cell can be derived from the shown ones through any combination of the lines."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cluedesk.records.suppression import Line, derivable, grid_lines, suppress

K = 5


def _table(grid: list[list[int]]):
    """Rows r0.., columns c0.., a total row and a total column (the rows' sum)."""
    rows = [f"r{i}" for i in range(len(grid))]
    cols = [f"c{j}" for j in range(len(grid[0]))]
    values = {}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            values[(r, c)] = grid[i][j]
        values[(r, "sum")] = sum(grid[i])
    for c in [*cols, "sum"]:
        values[("total", c)] = sum(values[(r, c)] for r in rows)
    lines = grid_lines(rows, "total", [*cols, "sum"], "sum", cols)
    return values, lines


def _solvable(values, hidden, lines):
    """Brute-force check with numpy least squares: a hidden cell is derivable iff fixing every shown
    cell leaves it a single value over the line equations (independent of suppression.derivable)."""
    order = sorted(hidden, key=str)
    index = {k: i for i, k in enumerate(order)}
    a, b = [], []
    for line in lines:
        row, rhs = np.zeros(len(order)), 0.0
        for m in line.members:
            if m in index:
                row[index[m]] += 1
            else:
                rhs -= values[m]
        if line.total in index:
            row[index[line.total]] -= 1
        else:
            rhs += values[line.total]
        a.append(row)
        b.append(rhs)
    a = np.array(a)
    null = np.linalg.svd(a)[2][np.linalg.matrix_rank(a):] if len(order) else np.zeros((0, 0))
    return [k for k, i in index.items() if null.size == 0 or np.allclose(null[:, i], 0)]


def test_a_single_small_cell_gets_a_complement_in_its_row_and_column():
    values, lines = _table([[3, 10, 12], [20, 30, 40], [15, 16, 17]])
    hidden = suppress(values, lines, K)
    assert ("r0", "c0") in hidden
    assert sum(1 for c in ("c1", "c2", "sum") if ("r0", c) in hidden) >= 1      # row complement
    assert sum(1 for r in ("r1", "r2", "total") if (r, "c0") in hidden) >= 1    # column complement
    assert not derivable(values, hidden, lines)
    assert all(not (0 < values[k] < K) for k in values if k not in hidden)


def test_zero_is_shown_and_a_table_without_small_cells_is_untouched():
    values, lines = _table([[0, 10], [20, 30]])
    assert suppress(values, lines, K) == set()


def test_two_small_cells_in_a_line_summing_below_k_take_a_third():
    values, lines = [{("a", "x"): 1, ("b", "x"): 1, ("c", "x"): 9, ("total", "x"): 11}, None]
    lines = [Line((("a", "x"), ("b", "x"), ("c", "x")), ("total", "x"))]
    hidden = suppress(values, lines, K)
    assert hidden == {("a", "x"), ("b", "x"), ("c", "x")}   # 1 + 1 < 5 would reveal both as 1


def test_a_small_total_is_hidden_too():
    values, lines = _table([[1, 1], [0, 1]])
    hidden = suppress(values, lines, K)
    assert ("total", "sum") in hidden
    assert not derivable(values, hidden, lines)


grids = st.integers(min_value=1, max_value=5).flatmap(
    lambda n_rows: st.integers(min_value=1, max_value=5).flatmap(
        lambda n_cols: st.lists(st.lists(st.one_of(st.integers(0, 6), st.integers(0, 60)), min_size=n_cols,
                                         max_size=n_cols), min_size=n_rows, max_size=n_rows)))


@settings(max_examples=150, deadline=None)
@given(grids)
def test_no_shown_cell_is_small_and_no_hidden_cell_is_derivable(grid):
    values, lines = _table(grid)
    hidden = suppress(values, lines, K)
    for key, v in values.items():
        if key not in hidden:
            assert not (0 < v < K), (key, v)
    # a hidden zero (a complement) may be worked out: it names nobody, like a shown zero
    assert [c for c in _solvable(values, hidden, lines) if values[c]] == [], \
        "a hidden cell can be worked out from the shown ones"
    for line in lines:   # no line with exactly one hidden entry (plain subtraction), unless it is zero
        entries = [*line.members, line.total]
        one = [e for e in entries if e in hidden]
        assert not (len(one) == 1 and values[one[0]])
