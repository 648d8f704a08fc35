"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/records/suppression.py (issue 22).

Each expectation is written by hand from the suppression rules (module docstring of
``records.suppression``, the docstrings of ``Suppressor.pick``/``_complement``/``separate_nested``,
``suppress`` and ``grid_lines``; docs/records.md, "Rule"), on small line systems worked out on
paper — not derived from the code under test. Cells are plain names; a line is members → total.
"""

from __future__ import annotations

import pytest

from cluedesk.records.suppression import Line, SuppressionError, Suppressor, derivable, grid_lines, suppress
from tests.records.test_suppression import _table

K = 5
ISSUE_22_GRID = [[40, 2, 20], [2, 1, 0], [8, 0, 8]]
# what rules 1 and 2 hid in issue 22 (tests/records/test_derivability.py)
ISSUE_22_PATTERN = {("r0", "c1"), ("r0", "c2"), ("r1", "c0"), ("r1", "c1"), ("r1", "sum"), ("r2", "c0"),
                    ("r2", "sum"), ("total", "c1"), ("total", "c2")}


# suppress(): fixed and sensitive reach the suppressor ---------------------------------------------

def _row(values: list[int]) -> tuple[dict, list[Line]]:
    cells = {f"c{i}": v for i, v in enumerate(values)}
    cells["sum"] = sum(values)
    return cells, [Line(tuple(k for k in cells if k != "sum"), "sum")]


def test_a_cell_shown_in_an_earlier_edition_is_never_the_complement() -> None:
    """x_suppress__mutmut_13 (``fixed`` not passed on): c1 = 10 is the smallest shown member, but
    it is fixed, so the next one (c2 = 20) is hidden with the 1."""
    values, lines = _row([1, 10, 20])
    assert suppress(values, lines, K, fixed={"c1"}) == {"c0", "c2"}
    assert suppress(values, lines, K) == {"c0", "c1"}


def test_a_hidden_cell_that_needs_no_protection_takes_no_complement() -> None:
    """x_suppress__mutmut_8 / _14 (``sensitive`` dropped): the 1 is hidden by rule 1, but the caller
    says no hidden cell needs protecting, so rule 2 adds nothing to its line."""
    values, lines = _row([1, 10, 20])
    assert suppress(values, lines, K, sensitive=lambda key: False) == {"c0"}
    assert suppress(values, lines, K, sensitive=lambda key: False, exact=False) == {"c0"}


# grid_lines ---------------------------------------------------------------------------------------

def test_a_grid_without_a_row_total_column_has_only_its_column_lines() -> None:
    """x_grid_lines__mutmut_7 (``and`` -> ``or``): no row lines unless there is both a row-total
    column and columns that add up to it."""
    columns_only = [Line((("a", "x"), ("b", "x")), ("t", "x")), Line((("a", "y"), ("b", "y")), ("t", "y"))]
    assert grid_lines(["a", "b"], "t", ["x", "y"], None, ["x", "y"]) == columns_only
    assert grid_lines(["a", "b"], "t", ["x", "y"], "y", []) == columns_only


# rule 4: separate_nested --------------------------------------------------------------------------

def test_nested_figures_that_hold_nothing_leave_both_shown_and_every_pair_is_counted() -> None:
    """separate_nested__mutmut_5/_7/_8 (the default activity of a missing figure None or 1 instead
    of 0) and _11 (the count): a figure absent from ``values`` is 0 like everywhere in the module;
    0 − 0 holds nothing, so nothing is hidden, and the three pairs looked at are counted."""
    s = Suppressor({"inner": 0, "a": 20, "b": 20}, [], K)
    assert s.separate_nested([("outer", "inner"), ("a", "b"), ("a", "inner")]) == 3
    assert s.hidden == set()


def test_a_pair_with_a_hidden_figure_is_skipped_and_the_next_pairs_are_still_checked() -> None:
    """separate_nested__mutmut_14 (``or`` -> ``and``) and _17 (``continue`` -> ``break``): the
    outer 10 is already hidden, so its inner 7 may stay (nobody subtracts from a hidden figure);
    the following pair 30 ⊃ 28 differs by 2 and its inner one is hidden."""
    s = Suppressor({"outer": 10, "inner": 7, "region": 30, "county": 28}, [], K, forced={"outer"})
    assert s.separate_nested([("outer", "inner"), ("region", "county")]) == 2
    assert s.hidden == {"outer", "county"}


def test_equal_figures_whose_difference_still_holds_activity_are_separated() -> None:
    """separate_nested__mutmut_19/_20 (``0 <=`` -> ``1 <=`` / ``0 <``): the same count of reports,
    but the difference holds clues (the caller's ``activity``): a difference of 0 that is not
    empty is still below k, so the inner one is hidden."""
    activity = {"outer": 14, "inner": 11}
    s = Suppressor({"outer": 10, "inner": 10}, [], K)
    s.separate_nested([("outer", "inner")], activity=activity.__getitem__)
    assert s.hidden == {"inner"}


# rule 3: the complement for a derivable cell ------------------------------------------------------

def test_the_complement_is_the_smallest_candidate_over_all_the_cells_lines() -> None:
    """_complement__mutmut_14 (every candidate ranked as None, so the first line's wins): x lies in
    two lines; the first offers a = 9, the second c = 6; the smaller non-zero one is taken."""
    values = {"x": 3, "a": 9, "t0": 12, "c": 6, "t1": 9}
    s = Suppressor(values, [Line(("x", "a"), "t0"), Line(("x", "c"), "t1")], K)
    assert s._complement("x") == "c"


def test_among_equally_ranked_candidates_the_first_line_wins() -> None:
    """_complement__mutmut_17 (``<`` -> ``<=``): with a caller's rank that ties, the choice is the
    candidate of the first line in the caller's order (breadth first, lines in order)."""
    values = {"x": 3, "a": 9, "t0": 12, "c": 6, "t1": 9}
    s = Suppressor(values, [Line(("x", "a"), "t0"), Line(("x", "c"), "t1")], K, rank=lambda key: 0)
    assert s._complement("x") == "a"


# x + y + f = t and y + w = t give x = w − f: with f shown (fixed), x, y and t hidden, x is
# derivable and its only line has nothing left to hide. The complement is found through the hidden
# neighbours y and t: w. The shown f leads to z (smaller), but a shown cell is no path: hiding z
# does nothing for x.
NEIGHBOURS = {"x": 8, "y": 10, "f": 6, "t": 24, "w": 14, "z": 5, "v": 11}
NEIGHBOUR_LINES = [Line(("x", "y", "f"), "t"), Line(("y", "w"), "t"), Line(("f", "z"), "v")]


def test_a_cell_whose_lines_are_full_takes_its_complement_through_the_hidden_neighbours() -> None:
    """_complement__mutmut_7 (``continue`` -> ``break`` on a line already seen: y's second line is
    never reached) and _20 (``and`` -> ``or``: the shown f joins the search and its z wins)."""
    s = Suppressor(NEIGHBOURS, NEIGHBOUR_LINES, K, forced={"x", "y", "t"}, fixed={"f"})
    assert s._complement("x") == "w"


def test_suppression_hides_the_neighbours_complement_and_nothing_more() -> None:
    """The same through ``suppress``: x, y, t forced, f fixed; w is hidden and then x = w − f is
    no longer known; z and v stay shown (and with _7 it raised SuppressionError)."""
    hidden = suppress(NEIGHBOURS, NEIGHBOUR_LINES, K, forced={"x", "y", "t"}, fixed={"f"})
    assert hidden == {"x", "y", "t", "w"}


def test_a_derivable_cell_with_everything_near_it_fixed_is_an_error() -> None:
    """run__mutmut_54 (the message dropped) and _55–_59: x = t − f with f and t shown in an earlier
    edition: nothing may be hidden, and the operator reads which cell."""
    values = {"x": 8, "f": 6, "t": 14}
    with pytest.raises(SuppressionError, match=r"^cannot protect \['x'\]: every cell near it is fixed$"):
        suppress(values, [Line(("x", "f"), "t")], K, forced={"x"}, fixed={"f", "t"})


def test_the_error_names_the_first_five_cells_it_cannot_protect() -> None:
    """run__mutmut_60 (``[:6]``): six such cells, x0 … x5; the message names five, in key order."""
    values, lines = {}, []
    for i in range(6):
        values.update({f"x{i}": 8, f"f{i}": 6, f"t{i}": 14})
        lines.append(Line((f"x{i}", f"f{i}"), f"t{i}"))
    fixed = {f"{c}{i}" for c in "ft" for i in range(6)}
    with pytest.raises(SuppressionError) as err:
        suppress(values, lines, K, forced={f"x{i}" for i in range(6)}, fixed=fixed)
    assert str(err.value) == "cannot protect ['x0', 'x1', 'x2', 'x3', 'x4']: every cell near it is fixed"


# x lies in three lines. Two of them make it derivable through a neighbour: x + y1 + p = t1 with
# y1 + w1 = t1 gives x = w1 − p; x + y2 + r = t2 with y2 + w2 = t2 gives x = w2 − r. The third,
# x + s + m = u with s and u hidden, gives nothing. Round 1: the best complement over its lines is
# m (5, before p = 6 and r = 7), which protects nothing. Round 2, x's second strike: "one
# complement was not enough: one more in each of its lines": p and r (the third line has nothing
# left). Round 3: x = w1 − p = w2 − r, and p, r are hidden: nothing derivable.
STRIKES = {"x": 8, "p": 6, "y1": 10, "t1": 24, "w1": 14, "r": 7, "y2": 20, "t2": 35, "w2": 15,
           "s": 7, "m": 5, "u": 20}
STRIKE_LINES = [Line(("x", "y1", "p"), "t1"), Line(("y1", "w1"), "t1"), Line(("x", "y2", "r"), "t2"),
                Line(("y2", "w2"), "t2"), Line(("x", "s", "m"), "u")]


def test_a_cell_still_derivable_after_its_complement_takes_one_more_in_each_of_its_lines() -> None:
    """run__mutmut_31/_40/_41 (the second strike never comes: p alone in round 2, r only in a
    fourth round) and _36/_37/_39 (the first strike already hides in every line: two rounds)."""
    s = Suppressor(STRIKES, STRIKE_LINES, K, forced={"x", "y1", "t1", "y2", "t2", "s", "u"})
    assert s.run() == {"x", "y1", "t1", "y2", "t2", "s", "u", "m", "p", "r"}
    assert s.rounds == 3
    assert s.strikes == {"x": 2}


def test_an_absent_inner_figure_k_below_its_outer_one_is_far_enough() -> None:
    """separate_nested__mutmut_28/_30/_31 (an absent inner figure read as None or 1): absent is 0,
    and 5 − 0 is k: both shown, nothing to hide."""
    s = Suppressor({"outer": 5}, [], K)
    assert s.separate_nested([("outer", "inner")]) == 1
    assert s.hidden == set()


# pick: the smallest shown member, non-zero first (the default rank) -------------------------------

def _pick(values: dict, members: tuple, forced: set = frozenset()) -> object:
    line = Line(members, "t")
    return Suppressor({**values, "t": sum(values.values())}, [line], K, forced=forced).pick(line)


def test_pick_takes_a_non_zero_member_before_a_zero() -> None:
    """__init__ mutants of the rank's first element (_5, _7, _10, _11): 0 names nobody, so hiding
    it protects nothing; the 10 is taken."""
    assert _pick({"c0": 1, "z": 0, "big": 10}, ("c0", "z", "big")) == "big"


def test_pick_takes_the_smallest_non_zero_member() -> None:
    """__init__ mutants of the rank's second element (_12, _14): 10 before 20, whatever the names."""
    assert _pick({"c0": 1, "a": 20, "b": 10}, ("c0", "a", "b")) == "b"


def test_pick_counts_an_absent_member_as_zero() -> None:
    """__init__ _6/_8/_9 (an absent member ranked among the non-zero ones, before the 10) and
    _13/_15/_16 (absent read as None or 1 against a present zero): absent is 0, like ``z``; between
    equals the key decides, so "gap" before "z"."""
    assert _pick({"c0": 1, "big": 10}, ("c0", "gap", "big")) == "big"
    assert _pick({"z": 0}, ("z", "gap")) == "gap"


def test_pick_breaks_a_tie_by_key_not_by_the_order_of_the_members() -> None:
    """__init__ _17 and _order (the key's text dropped from the rank): two 10s, "a" before "b"
    however the line lists them, so the same table gives the same pattern."""
    assert _pick({"x": 1, "a": 10, "b": 10}, ("x", "b", "a")) == "a"
    assert _pick({"x": 1, "a": 10, "b": 10}, ("x", "a", "b")) == "a"


# which hidden cells need protecting (the default ``sensitive``) -----------------------------------

def test_a_forced_cell_that_holds_nothing_takes_no_complement() -> None:
    """__init__ _27/_29/_30 (an absent forced cell read as None or 1) and _31 (``>= 0``: a forced
    zero treated as sensitive): rule 2 protects hidden non-zero cells only; a forced 0, present or
    absent, names nobody."""
    values = {"c0": 10, "c1": 20, "c2": 0, "sum": 30}
    lines = [Line(("c0", "c1", "c2", "gap"), "sum")]
    assert suppress(values, lines, K, forced={"gap"}) == {"gap"}
    assert suppress(values, lines, K, forced={"c2"}) == {"c2"}


def test_the_rounds_count_the_exact_checks() -> None:
    """__init__ _44 (``rounds`` starting at 1): a row with one small cell needs one exact check
    (nothing derivable after rule 2), none without the exact check; issue 22's grid with its
    pattern forced needs a second one after its complement (see the next test)."""
    values, lines = _row([1, 10, 20])
    s = Suppressor(values, lines, K)
    s.run()
    assert s.rounds == 1
    s = Suppressor(values, lines, K)
    s.run(exact=False)
    assert s.rounds == 0
    values, lines = _table(ISSUE_22_GRID)
    s = Suppressor(values, lines, K, forced=ISSUE_22_PATTERN)
    s.run()
    assert s.rounds == 2


def test_issue_22s_middle_cell_is_protected_by_the_zero_next_to_it() -> None:
    """Issue 22's grid with its pattern forced: the middle 1 = r1 sum − r1 c0 − r1 c2, where r1 c2
    = 0 is shown (worked out with the column and row totals). Its lines offer two shown zeros,
    (r1, c2) in its row and (r2, c1) in its column; equal, so the key decides: (r1, c2). Then
    r1 c1 + r1 c2 = 1 is all that can be worked out: one more cell, one more round."""
    values, lines = _table(ISSUE_22_GRID)
    assert suppress(values, lines, K, forced=ISSUE_22_PATTERN) == ISSUE_22_PATTERN | {("r1", "c2")}


def test_two_nested_figures_both_fixed_and_too_close_are_an_error_that_names_them() -> None:
    """separate_nested__mutmut_43 (the outer one hidden although fixed) and _46 (the message
    dropped): an earlier edition showed both, 10 and 7; nothing may be hidden, so it is an error,
    and the operator reads which pair."""
    s = Suppressor({"outer": 10, "inner": 7}, [], K, fixed={"outer", "inner"})
    with pytest.raises(SuppressionError, match=r"^outer minus inner is below 5 and both are fixed$"):
        s.separate_nested([("outer", "inner")])
    assert s.hidden == set()


# rule 2 on its own (exact=False, as the scope pass runs it) ---------------------------------------

def test_hidden_members_holding_k_minus_one_take_one_more_even_with_an_absent_one() -> None:
    """needs_more__mutmut_17/_19/_20 (an absent hidden member read as None or 1): the 4 and the
    forced empty "gap" hold 4 < k together, so the smallest shown member (10) is hidden too."""
    values = {"c0": 4, "c1": 10, "c2": 20, "sum": 34}
    lines = [Line(("c0", "gap", "c1", "c2"), "sum")]
    assert suppress(values, lines, K, forced={"gap"}, exact=False) == {"c0", "gap", "c1"}
    assert suppress(values, lines, K, forced={"gap"}) == {"c0", "gap", "c1"}


def test_hidden_members_holding_exactly_k_are_enough() -> None:
    """needs_more__mutmut_22 (``< k`` -> ``<= k``): 1 + 4 = 5 = k hidden, the total shown: the
    line holds; the 30 stays."""
    values, lines = _row([1, 4, 30])
    assert suppress(values, lines, K, exact=False) == {"c0", "c1"}
    assert suppress(values, lines, K) == {"c0", "c1"}


def test_a_hidden_total_with_a_hidden_member_needs_nothing_more() -> None:
    """needs_more__mutmut_23 (the last ``return False`` -> True): two entries hidden, one the
    total: c0 = sum − c1 − c2 cannot be worked out, so the 10 and the 20 stay."""
    values, lines = _row([1, 10, 20])
    assert suppress(values, lines, K, forced={"sum"}, exact=False) == {"c0", "sum"}
    assert suppress(values, lines, K, forced={"sum"}) == {"c0", "sum"}


def test_when_no_member_is_left_to_hide_the_total_is_hidden() -> None:
    """pick__mutmut_11 (the total picked only when fixed): the 1's only other member, f = 10, was
    shown in an earlier edition (fixed), so the total goes ("else the total")."""
    values = {"a": 1, "f": 10, "t": 11}
    assert suppress(values, [Line(("a", "f"), "t")], K, fixed={"f"}, exact=False) == {"a", "t"}


def test_a_complement_that_lands_in_a_line_already_looked_at_completes_that_line_too() -> None:
    """complete_lines__mutmut_13/_21 (a line once looked at never queued again): line 1's
    complement is a = 10 (its smallest shown member), which also sits in line 0; line 0 now shows
    all but a, so b is hidden too."""
    values = {"a": 10, "b": 20, "t0": 30, "x": 1, "c": 30, "t1": 41}
    lines = [Line(("a", "b"), "t0"), Line(("x", "a", "c"), "t1")]
    assert suppress(values, lines, K, exact=False) == {"x", "a", "b"}


def test_a_line_with_nothing_left_to_hide_does_not_stop_the_other_lines() -> None:
    """complete_lines__mutmut_19 (``break`` -> ``return``): line 0's 1 has only fixed cells beside
    it (nothing to pick); line 1 is still completed."""
    values = {"x": 1, "f": 10, "g": 11, "y": 2, "a": 10, "b": 20, "t": 32}
    lines = [Line(("x", "f"), "g"), Line(("y", "a", "b"), "t")]
    assert suppress(values, lines, K, fixed={"f", "g"}, exact=False) == {"x", "y", "a"}


def test_complete_lines_looks_only_at_the_lines_it_is_given() -> None:
    """complete_lines__mutmut_3 (``todo`` ignored): "only the lines in ``todo`` (and those their
    new hidden cells touch) are looked at" — line 1's lone 2 waits for its turn."""
    values = {"x": 1, "a": 10, "t0": 11, "y": 2, "b": 20, "t1": 22}
    s = Suppressor(values, [Line(("x", "a"), "t0"), Line(("y", "b"), "t1")], K)
    s.complete_lines({0})
    assert s.hidden == {"x", "a", "y"}
    s.complete_lines()
    assert s.hidden == {"x", "a", "y", "b"}


# Two cells derivable through one chain: x1 + y + p = t0 and y + w = t0 give x1 = w − p, and
# x1 + x2 = t (shown) then gives x2. Hiding p (x1's best complement: 6 before t = 15) breaks the
# chain for both. A second, separate chain: z1 + zy + zf = zt and zy + zw = zt with zf fixed give
# z1 = zw − zf; its complement is zw.
CHAIN = {"x1": 8, "y": 10, "p": 6, "t0": 24, "w": 14, "x2": 7, "t": 15,
         "z1": 8, "zy": 10, "zf": 6, "zt": 24, "zw": 14}
CHAIN_LINES = [Line(("x1", "y", "p"), "t0"), Line(("y", "w"), "t0"), Line(("x1", "x2"), "t"),
               Line(("z1", "zy", "zf"), "zt"), Line(("zy", "zw"), "zt")]


def test_a_cell_next_to_a_fresh_complement_waits_but_the_others_are_protected_in_the_same_round() -> None:
    """run__mutmut_29 (``continue`` -> ``break``): round 1 takes x1 (p hidden), skips x2 (its
    line was just touched) and still protects z1 (zw hidden); round 2 finds nothing."""
    s = Suppressor(CHAIN, CHAIN_LINES, K, forced={"x1", "y", "t0", "x2", "z1", "zy", "zt"}, fixed={"zf"})
    assert s.run() == {"x1", "y", "t0", "x2", "p", "z1", "zy", "zt", "zw"}
    assert s.rounds == 2


def test_derivable_cells_are_taken_in_the_order_of_their_keys_text() -> None:
    """run__mutmut_24/_26 (targets sorted by their own order, not ``_order``): with x1 = 10 and
    x2 = 9 as keys, "10" comes before "9", so x1 is protected first and p alone covers both; taken
    the other way (9 first) x2's only complement is the total t, one cell more."""
    rename = {"x1": 10, "x2": 9}
    values = {rename.get(k, k): v for k, v in CHAIN.items() if not k.startswith("z")}
    lines = [Line(tuple(rename.get(m, m) for m in line.members), line.total) for line in CHAIN_LINES[:3]]
    assert suppress(values, lines, K, forced={10, "y", "t0", 9}) == {10, "y", "t0", 9, "p"}


# rule 3: derivable ------------------------------------------------------------------------------

def test_derivable_reports_only_hidden_cells_among_the_targets() -> None:
    """x and z are both derivable (x = t − f, z = u − g); asked about z only, z; asked about a
    shown cell, nothing; asked about nothing, nothing (an empty list)."""
    values = {"x": 8, "f": 6, "t": 14, "z": 3, "g": 7, "u": 10}
    lines = [Line(("x", "f"), "t"), Line(("z", "g"), "u")]
    assert derivable(values, {"x", "z"}, lines) == ["x", "z"]
    assert derivable(values, {"x", "z"}, lines, targets={"z"}) == ["z"]
    assert derivable(values, {"x", "z"}, lines, targets={"f"}) == []
    assert derivable(values, {"x", "z"}, lines, targets=set()) == []
    assert derivable(values, set(), lines) == []


def test_derivable_lists_the_cells_in_the_order_of_their_keys_text() -> None:
    """Keys 9 and 10: "10" before "9", as everywhere in the module (``_order``)."""
    values = {10: 8, "f": 6, "t": 14, 9: 3, "g": 7, "u": 10}
    lines = [Line((10, "f"), "t"), Line((9, "g"), "u")]
    assert derivable(values, {10, 9}, lines) == [10, 9]


def test_derivable_follows_a_chain_and_stops_where_a_free_cell_enters() -> None:
    """c = T2 − f; then b = T1 − c; but a + d = T0 − b leaves a and d open. One connected group,
    eliminated in one go (each cell's rows taken fewest first: a, d, b, c)."""
    values = {"a": 6, "b": 7, "d": 9, "T0": 22, "c": 8, "T1": 15, "f": 5, "T2": 13}
    lines = [Line(("a", "b", "d"), "T0"), Line(("b", "c"), "T1"), Line(("c", "f"), "T2")]
    assert derivable(values, {"a", "b", "c", "d"}, lines) == ["b", "c"]


def test_a_triangle_of_lines_gives_every_cell_away() -> None:
    """a + b, b + c and a + c all shown: three equations, three unknowns, each one determined
    (elimination with fill-in: a's second row gains b)."""
    values = {"a": 6, "b": 7, "c": 8, "ab": 13, "bc": 15, "ac": 14}
    lines = [Line(("a", "b"), "ab"), Line(("b", "c"), "bc"), Line(("a", "c"), "ac")]
    assert derivable(values, {"a", "b", "c"}, lines) == ["a", "b", "c"]
    lines_open = [Line(("a", "b"), "ab"), Line(("b", "c"), "bc")]
    assert derivable(values, {"a", "b", "c"}, lines_open) == []


def test_derivable_records_the_clean_groups_and_skips_them() -> None:
    """``clean``: {x, y} (x + y = s shown) holds nothing derivable and is recorded; {z} (z = u − g)
    is not. A group already recorded is skipped (z is not looked at again), and only that group
    (derivable__mutmut_62: ``continue`` -> ``break``). A group without a target is not looked at
    and not recorded (derivable__mutmut_55: ``&`` -> ``|``)."""
    values = {"x": 8, "y": 9, "s": 17, "z": 3, "g": 7, "u": 10}
    lines = [Line(("x", "y"), "s"), Line(("z", "g"), "u")]
    clean: set = set()
    assert derivable(values, {"x", "y", "z"}, lines, clean=clean) == ["z"]
    assert clean == {frozenset({"x", "y"})}
    assert derivable(values, {"x", "y", "z"}, lines, clean={frozenset({"z"})}) == []
    assert derivable(values, {"x", "y", "z"}, lines, clean={frozenset({"x", "y"})}) == ["z"]
    clean = set()
    assert derivable(values, {"x", "y", "z"}, lines, targets={"z"}, clean=clean) == ["z"]
    assert clean == set()   # {x, y} holds no target: not looked at, so not found clean either


def test_a_cell_that_comes_out_only_by_halving_is_derivable() -> None:
    """_null_vectors__mutmut_42 (the inverse x^(p−2) replaced by x^(p+2) = x³, right only for ±1):
    a + b = 8, b + c + d = 15, a + c + d = 13. The last two give b − a = 2, so b = (8 + 2) / 2 = 5
    and a = 3; c and d stay open (only c + d = 10). The elimination meets a coefficient 2."""
    values = {"a": 3, "b": 5, "c": 4, "d": 6, "T0": 8, "T1": 15, "T2": 13}
    lines = [Line(("a", "b"), "T0"), Line(("c", "d", "b"), "T1"), Line(("a", "d", "c"), "T2")]
    assert derivable(values, {"a", "b", "c", "d"}, lines) == ["a", "b"]


def test_hidden_figures_along_two_nested_paths_are_not_derivable() -> None:
    """derivable__mutmut_24 (members counted −1 like the total): a county b (3) inside a city a
    (b + 7 = a) inside a province c (a + 20 = c), and the province also as b + 27. Three hidden
    figures, three equations of which one is the sum of the others (b − a, a − c, b − c): one stays
    free, nothing can be worked out."""
    values = {"b": 3, "b2": 7, "a": 10, "a2": 20, "c": 30, "e": 27}
    lines = [Line(("b", "b2"), "a"), Line(("a", "a2"), "c"), Line(("b", "e"), "c")]
    assert derivable(values, {"a", "b", "c"}, lines) == []


def test_a_member_listed_twice_counts_twice() -> None:
    """derivable__mutmut_25 (a repeated member counted once): a line is a sum, so a member listed
    twice is 2a: 2a + b = 11 and a + b = 7 give a = 4 and b = 3; counted once, the two lines say
    the same about a + b and nothing is known."""
    values = {"a": 4, "b": 3, "T1": 11, "T2": 7}
    lines = [Line(("a", "a", "b"), "T1"), Line(("a", "b"), "T2")]
    assert derivable(values, {"a", "b"}, lines) == ["a", "b"]


def test_a_line_whose_total_is_also_one_of_its_members_says_the_others_are_zero() -> None:
    """derivable__mutmut_36 (the total's coefficient −1 whatever the members gave it): a + b = a
    means b = 0, known, while a itself stays open."""
    values = {"a": 9, "b": 0}
    assert derivable(values, {"a", "b"}, [Line(("a", "b"), "a")]) == ["b"]
