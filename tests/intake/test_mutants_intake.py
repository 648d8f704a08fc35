"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/intake (issue 22).

Expectations by hand: a tracking code read from at most 64 characters typed, separators included.
"""

from __future__ import annotations

import pytest

from cluedesk.intake.tracking import normalize

CODE = "ABCDEFGHJKMNPQRS"


@pytest.mark.parametrize("raw", [None, 1234567890123456, b"ABCDEFGHJKMNPQRS", ["ABCDEFGHJKMNPQRS"]])
def test_what_is_not_text_is_no_code(raw: object) -> None:
    assert normalize(raw) is None  # type: ignore[arg-type]


def test_sixty_four_characters_typed_with_separators_are_still_read() -> None:
    raw = "ABCD" + " " * 48 + "EFGHJKMNPQRS"
    assert len(raw) == 64
    assert normalize(raw) == CODE


@pytest.mark.parametrize("extra", [1, 2, 100])
def test_more_than_sixty_four_characters_are_refused_even_when_they_reduce_to_a_code(extra: int) -> None:
    raw = "ABCD" + " " * (48 + extra) + "EFGHJKMNPQRS"
    assert len(raw) == 64 + extra
    assert normalize(raw) is None
    assert normalize("ABCD" + "-" * (48 + extra) + "EFGHJKMNPQRS") is None
