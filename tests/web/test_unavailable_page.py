"""The proxy's own page for 502/504 (issue 23, item 3): when no node answered, the reporter is
told in both languages that nothing may have been saved, how to send again safely, and what
proves receipt; the page needs nothing from the application and runs no script."""

from __future__ import annotations

import re
from pathlib import Path

import cluedesk

PAGE = Path(cluedesk.__file__).parent / "web" / "static" / "web" / "unavailable.html"
OPERATIONS = Path(cluedesk.__file__).parent.parent / "docs" / "operations.md"


def test_the_page_speaks_both_languages_and_says_how_to_retry() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert "may not have been saved" in text and "可能没有保存" in text
    assert "send it again" in text and "再次提交" in text
    assert "tracking code" in text and "查询码" in text


def test_the_page_stands_alone() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    # nothing fetched from the application (it is down) or from another host
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", text)
    assert not re.search(r"""(?:src|href)\s*=\s*["']/""", text)


def test_the_nginx_snippet_serves_it_for_502_and_504() -> None:
    guide = OPERATIONS.read_text(encoding="utf-8")
    assert "error_page 502 504 /unavailable.html;" in guide
    assert "location = /unavailable.html" in guide


# What the page promises of sending again (kept once, same code) is proven by
# tests/intake/test_public_pages.py::test_sending_the_same_form_twice_keeps_one_report.
