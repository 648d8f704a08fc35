"""Public step wordings in the reader's language.

A step's wording is stored as written: the fixed sentences the lifecycle verbs announce ("Your
report was accepted and will be verified.") are translated into the language of the staff member
who acted, so a step taken in the Chinese interface is stored in Chinese. The reporter reading in
English must not get it in Chinese, so on display a stored text that is the translation of a
catalogue sentence (in any of our languages) is shown as that sentence in the reader's language;
a sentence with a name in it (``transferred to %(body)s``) is matched with the name kept. Anything
else — a conclusion's wording written by hand — is the staff's own text and is shown as is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.utils.translation import get_language, gettext, trans_real

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
MIN_LITERAL = 12  # a pattern must pin down at least this much text around its names


def _catalog(lang: str) -> dict[str, str]:
    """msgid → msgstr of the singular, context-free entries of one language."""
    catalog = trans_real.translation(lang)._catalog  # type: ignore[attr-defined]  # no public accessor
    return {k: v for k, v in catalog.items() if isinstance(k, str) and "\x04" not in k and v and k != v}


@lru_cache(maxsize=8)
def _reverse(lang: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """For one language: its sentences back to their msgids, and its sentences with names as patterns."""
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for msgid, msgstr in _catalog(lang).items():
        if "%(" not in msgstr:
            exact.setdefault(msgstr, msgid)
            continue
        names = _PLACEHOLDER.findall(msgstr)
        literal = _PLACEHOLDER.sub("", msgstr)
        if not names or "%" in literal.replace("%%", "") or len(literal) < MIN_LITERAL or len(set(names)) != len(names):
            continue
        if sorted(names) != sorted(_PLACEHOLDER.findall(msgid)):
            continue
        parts = _PLACEHOLDER.split(msgstr)  # literal, name, literal, name, ...
        regex = "".join(re.escape(p.replace("%%", "%")) if i % 2 == 0 else f"(?P<{p}>.+?)"
                        for i, p in enumerate(parts))
        patterns.append((re.compile(rf"\A{regex}\Z", re.S), msgid))
    return exact, patterns


def localize(text: str) -> str:
    """The stored wording in the active language when it is a catalogue sentence, else as stored."""
    if not text:
        return text
    here = gettext(text)
    if here != text:
        return here  # stored as the English source sentence
    active = (get_language() or settings.LANGUAGE_CODE).lower()
    for lang, _name in settings.LANGUAGES:
        if lang.lower() == active:
            continue
        exact, patterns = _reverse(lang)
        if text in exact:
            return gettext(exact[text])
        for pattern, msgid in patterns:
            match = pattern.match(text)
            if match:
                return gettext(msgid) % match.groupdict()
    return text
