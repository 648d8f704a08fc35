"""The exact derivability check (rule 3 of ``records.suppression``) on the 3×3 counter-example of
issue 22: the grid [[40, 2, 20], [2, 1, 0], [8, 0, 8]] with row and column totals, k = 5. The
pattern rules 1 and 2 produced there hides every small cell and one more in each line, yet the 1
in the middle (row 1, column 1) follows from the shown totals. ``_solvable``
(tests/records/test_suppression.py) is an independent null-space computation."""

from __future__ import annotations

import pytest

from cluedesk.records import suppression
from tests.records.test_suppression import _solvable, _table

GRID = [[40, 2, 20], [2, 1, 0], [8, 0, 8]]
# what rules 1 and 2 hid in issue 22
PATTERN = {("r0", "c1"), ("r0", "c2"), ("r1", "c0"), ("r1", "c1"), ("r1", "sum"), ("r2", "c0"), ("r2", "sum"),
           ("total", "c1"), ("total", "c2")}


def test_the_pattern_of_issue_22_leaves_the_middle_cell_derivable():
    values, lines = _table(GRID)
    assert all(not s.needs_more(line) for s in [suppression.Suppressor(values, lines, 5, forced=PATTERN)]
               for line in lines)                                    # rule 2 is satisfied …
    assert _solvable(values, PATTERN, lines) == [("r1", "c1")]       # … and still the 1 can be worked out
    assert suppression.derivable(values, PATTERN, lines) == [("r1", "c1")]


def _protected(values, lines):
    hidden = suppression.suppress(values, lines, 5, forced=PATTERN)
    return hidden, [c for c in _solvable(values, hidden, lines) if values[c]]


def test_the_check_hides_one_more_cell_so_nothing_is_derivable():
    values, lines = _table(GRID)
    hidden, exposed = _protected(values, lines)
    assert exposed == [] and PATTERN < hidden


def test_skipping_the_check_leaves_the_cell_derivable(monkeypatch):
    """The guard is load-bearing: with ``derivable`` answering nothing, the same call publishes a
    table whose middle cell can be worked out."""
    monkeypatch.setattr(suppression, "derivable", lambda *a, **kw: [])
    values, lines = _table(GRID)
    hidden, exposed = _protected(values, lines)
    assert hidden == PATTERN and exposed == [("r1", "c1")]


@pytest.mark.parametrize("k", [3, 5, 8])
def test_the_grid_is_safe_from_scratch_for_any_threshold(k):
    values, lines = _table(GRID)
    hidden = suppression.suppress(values, lines, k)
    assert [c for c in _solvable(values, hidden, lines) if values[c]] == []
