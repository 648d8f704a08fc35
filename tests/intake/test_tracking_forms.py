"""Tracking codes as phones and Chinese input methods write them (issue 22): ideographic and
non-breaking spaces, the dashes a Chinese keyboard makes (——, －, –), full-width letters and
digits in either case, a pasted line break; and what must still be refused.

Each form is written out here by hand, character by character, so a separator or a width rule
dropped from ``tracking.normalize`` fails a test.
"""

from __future__ import annotations

import pytest

from cluedesk.intake import tracking
from cluedesk.intake.services import find_report, submit_report
from cluedesk.ledger.services import Actor

CODE = "ABCDEFGHJKMNPQRS"
FW = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"}


def wide(text: str) -> str:
    return "".join(FW.get(c, c) for c in text)


@pytest.mark.parametrize(("label", "typed"), [
    ("ideographic spaces", "ABCD\u3000EFGH\u3000JKMN\u3000PQRS"),
    ("no-break spaces (a phone's copy)", "ABCD\u00a0EFGH\u00a0JKMN\u00a0PQRS"),
    ("Chinese dash ——", "ABCD\u2014\u2014EFGH\u2014\u2014JKMN\u2014\u2014PQRS"),
    ("full-width hyphen-minus", "ABCD\uff0dEFGH\uff0dJKMN\uff0dPQRS"),
    ("en dash", "ABCD\u2013EFGH\u2013JKMN\u2013PQRS"),
    ("hyphen and non-breaking hyphen", "ABCD\u2010EFGH\u2011JKMN\u2012PQRS"),
    ("full-width upper case", wide("ABCD-EFGH-JKMN-PQRS")),
    ("full-width lower case", wide("abcd efgh jkmn pqrs").replace(" ", "\u3000")),
    ("mixed widths", "ＡＢcd\u3000EFＧＨ－jkmn pqＲＳ"),
    ("pasted with a line break", " ABCD-EFGH\nJKMN-PQRS\n".replace("\n", "", 1)),
    ("underscores and dots", "ABCD_EFGH.JKMN.PQRS"),
])
def test_forms_from_phones_and_input_methods_read_as_the_code(label: str, typed: str) -> None:
    assert tracking.normalize(typed) == CODE, label


def test_full_width_digits_and_look_alike_letters_follow_crockford() -> None:
    assert tracking.normalize(wide("0123-4567-89IL-Oo0l")) == "0123456789110001"


@pytest.mark.parametrize(("label", "typed"), [
    ("a full-width U (not in the alphabet)", wide("ABCD-EFGH-JKMN-PQRU")),
    ("one character short, full width", wide("ABCD-EFGH-JKMN-PQR")),
    ("a Chinese character inside", "ABCD-EFGH-JKMN-PQR码"),
    ("full-width punctuation inside", "ABCD-EFGH-JKMN-PQR！"),
])
def test_what_is_not_a_code_stays_refused(label: str, typed: str) -> None:
    assert tracking.normalize(typed) is None, label


@pytest.mark.django_db
def test_a_code_typed_with_an_input_method_opens_its_report() -> None:
    report, code = submit_report(text="x", channel="web", actor=Actor.reporter())
    shown = tracking.display(code)
    assert find_report(wide(shown.lower()).replace(FW["-"], "\u3000")).pk == report.pk
    assert find_report(shown.replace("-", "\u2014\u2014")).pk == report.pk
