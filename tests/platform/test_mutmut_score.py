"""scripts/mutmut_core.py's score (issue 22): what counts as detected, what is left out."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mutmut_core.py"


def _core():  # a script, not a package: loaded from its file
    spec = importlib.util.spec_from_file_location("mutmut_core", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RESULTS = {"m.a_1": "killed", "m.a_2": "timeout", "m.a_3": "survived", "m.a_4": "survived",
           "m.a_5": "no tests", "m.a_6": "survived", "m.a_7": "killed", "m.a_8": "killed"}


def test_equivalents_are_left_out_and_undetected_count_against_the_score() -> None:
    got = _core().score("m", RESULTS, {"m.a_6": "why"}, 1.0)
    assert (got["total"], got["killed"], got["timeout"], got["survived"], got["not_covered"], got["equivalent"]) \
        == (8, 3, 1, 2, 1, 1)
    assert got["score"] == round(4 / 7, 3)
    assert got["survivors"] == ["m.a_3", "m.a_4"]
    assert got["killed_on_postgresql"] == 0


def test_a_survivor_killed_on_postgresql_counts_as_detected_and_is_named_apart() -> None:
    got = _core().score("m", RESULTS, {"m.a_6": "why"}, 1.0, {"m.a_4": "test x", "m.a_5": "not a survivor"})
    assert got["killed_on_postgresql"] == 1 and got["killed_on_postgresql_names"] == ["m.a_4"]
    assert got["survivors"] == ["m.a_3"] and got["survived"] == 1
    assert got["not_covered"] == 1  # only a survivor can be one PostgreSQL kills: a mutant no test reaches stays undetected
    assert got["score"] == round(5 / 7, 3)


def test_every_mutant_listed_for_postgresql_names_a_test_that_exists() -> None:
    import tomllib

    judged = tomllib.loads((SCRIPT.parent / "mutmut_equivalent.toml").read_text())
    root = SCRIPT.parents[1]
    for name, why in judged["postgresql"].items():
        assert name not in judged["equivalent"], name
        test = why.split(":", 1)[0]
        if "::" in test:
            path, func = test.split("::")
            assert f"def {func}(" in (root / path).read_text(), test
