from __future__ import annotations

import pytest

from cluedesk.intake import tracking
from cluedesk.intake.models import Report
from cluedesk.intake.services import UnknownCode, find_report, submit_report
from cluedesk.ledger.services import Actor


def test_a_new_code_is_16_crockford_characters_shown_4_4_4_4() -> None:
    code = tracking.new_code()
    assert len(code) == 16 and set(code) <= set(tracking.ALPHABET)
    shown = tracking.display(code)
    assert shown.count("-") == 3 and [len(g) for g in shown.split("-")] == [4, 4, 4, 4]


def test_codes_do_not_repeat() -> None:
    assert len({tracking.new_code() for _ in range(2000)}) == 2000


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs", "abcdefghjkmnpqrs", " ABCD_EFGH.JKMN-PQRS ",
    "ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ－ＰＱＲＳ",
])
def test_reading_ignores_case_and_separators(typed: str) -> None:
    assert tracking.normalize(typed) == "ABCDEFGHJKMNPQRS"


def test_reading_takes_i_and_l_as_one_and_o_as_zero() -> None:
    assert tracking.normalize("IiLl-Oo00-1111-0000") == "1111000011110000"


@pytest.mark.parametrize("typed", ["", "ABC", "ABCD-EFGH-JKMN-PQRSX", "ABCD-EFGH-JKMN-PQRU", "ABCD-EFGH-JKMN-PQ!S",
                                   "A" * 100, "ABCD-EFGH-JKMN-PQR\u00e9"])
def test_malformed_codes_are_rejected(typed: str) -> None:
    assert tracking.normalize(typed) is None


@pytest.mark.django_db
def test_only_an_hmac_of_the_code_is_stored() -> None:
    report, code = submit_report(text="x", channel="web", actor=Actor.reporter())
    stored = Report.objects.get(pk=report.pk).tracking_hash
    assert code not in stored and tracking.display(code) not in stored
    assert stored == tracking.code_hash(code) and len(stored) == 64
    assert find_report(tracking.display(code).lower()).pk == report.pk


@pytest.mark.django_db
def test_the_hmac_depends_on_the_server_secret(settings) -> None:
    report, code = submit_report(text="x", channel="web", actor=Actor.reporter())
    settings.SECRET_KEY = "another-secret-" + "x" * 40
    with pytest.raises(UnknownCode):
        find_report(code)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "nonsense", "0000-0000-0000-0000"])
def test_wrong_and_malformed_codes_raise_the_same_error(typed: str) -> None:
    submit_report(text="x", channel="web", actor=Actor.reporter())
    with pytest.raises(UnknownCode):
        find_report(typed)
