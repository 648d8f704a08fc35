"""Notices in the reader's language.

A notice (supervision/models.Notification) is stored as text, one sentence a line, in the language
active where it was written: the escalation scan and the deadline clock run as the system, in
English; a case officer's action in whatever language they used. The people of the unit read it
later, each in their own language. On display each line that is a catalogue sentence — the source
(English) sentence or its translation, with names filled in ("Clue %(clue)s was put under
supervision: %(flag)s.") — is shown as that sentence in the active language, and the names filled
in are translated too when they are themselves catalogue words (the flag "overdue", the action
"watch"); a clue number, a unit's name, a link stay as they are. Any other line is shown as stored.

The same idea as cluedesk/intake/public_wording.py (public step wordings), which reads only whole
sentences of the other language; a notice's sentences carry names from the source language as well.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext, trans_real

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
MIN_LITERAL = 8  # bytes of UTF-8 a pattern must pin down around its names (a Chinese character is 3)


def _catalog(lang: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of the singular, context-free, translated entries of one language: every
    pair, from every app's catalogue (two apps may word one msgid differently; either is read back)."""
    catalog = trans_real.translation(lang)._catalog  # type: ignore[attr-defined]  # no public accessor
    return [(k, v) for k, v in catalog.items() if isinstance(k, str) and "\x04" not in k and v and k != v]


def _pattern(sentence: str) -> re.Pattern[str] | None:
    """``sentence`` with its %(name)s slots as named groups, or None when it pins down too little."""
    names = _PLACEHOLDER.findall(sentence)
    literal = _PLACEHOLDER.sub("", sentence)
    if (not names or "%" in literal.replace("%%", "") or len(literal.encode()) < MIN_LITERAL
            or len(set(names)) != len(names)):
        return None
    parts = _PLACEHOLDER.split(sentence)  # literal, name, literal, name, ...
    regex = "".join(re.escape(p.replace("%%", "%")) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(rf"\A{regex}\Z", re.S)


@lru_cache(maxsize=8)
def _sentences(lang: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """Every known wording of a catalogue sentence — the English source and the translation in
    ``lang`` — back to its msgid: whole sentences, and sentences with names as patterns."""
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    # a wording shared by several msgids ("已超期": "overdue", "Overdue") reads back as the lower-case
    # one: the names filled into a sentence are lower-case labels
    for msgid, msgstr in sorted(_catalog(lang), key=lambda pair: pair[0] != pair[0].lower()):
        for wording in (msgid, msgstr):
            if "%(" not in wording:
                exact.setdefault(wording, msgid)
                continue
            if sorted(_PLACEHOLDER.findall(wording)) != sorted(_PLACEHOLDER.findall(msgid)):
                continue
            pattern = _pattern(wording)
            if pattern is not None:
                patterns.append((pattern, msgid))
    patterns.sort(key=lambda p: -len(p[0].pattern))  # the most specific sentence first
    return exact, patterns


SOURCE_LANGUAGE = "en"  # the language the catalogue's msgids are written in, whatever the site's


def _languages() -> list[str]:
    """The languages with a catalogue to read other wordings from: all but the msgids' own (a
    site set to Chinese still has English msgids, and its Chinese notices must read back)."""
    return [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def _word(value: str) -> str:
    """A name filled into a sentence, in the active language when it is a catalogue word."""
    here = gettext(value)
    if here != value:
        return here
    for lang in _languages():
        msgid = _sentences(lang)[0].get(value)
        if msgid is not None:
            return gettext(msgid)
    return value


def localize_line(line: str) -> str:
    if not line.strip():
        return line
    here = gettext(line)
    if here != line:
        return here
    for lang in _languages():
        exact, patterns = _sentences(lang)
        if line in exact:
            return gettext(exact[line])
        for pattern, msgid in patterns:
            match = pattern.match(line)
            if match:
                return gettext(msgid) % {k: _word(v) for k, v in match.groupdict().items()}
    return line


def localize(text: str) -> str:
    """A stored notice (subject or body) in the active language, line by line."""
    if not text:
        return text
    return "\n".join(localize_line(line) for line in text.split("\n"))
