"""Every page in both languages, read as a reader would (issue 18, item 5).

A crawler on Django's test client (no browser: both languages take well under a minute) walks every
page it can reach from the start points (tests/e2e/crawl.py: every parameterless route, then the
same-site links each page shows, one page per route), once in English and once in Chinese, as:
a person holding every staff role in the national unit; the Liuyang staff, one person per role
(their menus, their unit's notices); a reporter who looked up their report; a visitor. On each page
the visible text outside user content is checked — and so are the registers' CSV and XLSX exports
(headers and cells) and the frame of /api/docs:

* English pages: no CJK character;
* Chinese pages: no Latin word other than an allow-list (formats, units, product names) and codes
  (numbers, paths, links, commands, format masks);
* both: no enum code shown raw (a snake_case token such as ``criminal_case``).

Not checked, being user content or deliberately in another language: elements marked
``class="user-content"`` (or ``data-user``), elements whose ``lang`` differs from the page's (the
language switch offers "简体中文" on English pages), code samples, and the texts this world was seeded
with (unit and division names, usernames, the report, the notes), which are taken out first.

Besides the pages: every message the code and templates mark for translation has a compiled Chinese
translation (makemessages over a copy of the code), and no catalogue entry is empty or fuzzy.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.crawl import is_download, route_of, start_paths, wanted
from tests.org.factories import login_verified

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Han and CJK punctuation and full-width forms (not U+3000, the ideographic space a tree picker indents with)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3001-\u303f\uff01-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# Latin allowed on a Chinese page: units, formats, product and standard names, role letters.
ALLOWED_LATIN = {
    "cluedesk", "TOTP", "CSV", "XLSX", "API", "PDF", "PNG", "JPEG", "JPG", "KB", "MB", "GB", "B", "ID",
    "URL", "HTTP", "HTTPS", "OpenAPI", "Swagger", "UI", "JSON", "HTML", "HMAC", "SHA", "QR", "GPS", "EXIF",
    "IP", "UTC", "SMS", "PIN", "Tor", "Django", "ninja",
}
SKIP_TAGS = {"script", "style", "template", "code", "pre", "kbd", "samp", "svg", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a reader sees, without user content, scripts, and code samples; plus titles,
    placeholders and button values (they are read too)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: is it skipped (inherited)
        self.links: list[str] = []
        self.lang = ""  # the page's language (<html lang>): an element in another language is skipped

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        classes = (a.get("class") or "").split()
        if tag == "html":
            self.lang = (a.get("lang") or "").lower()
        other_language = bool(a.get("lang")) and tag != "html" and (a.get("lang") or "").lower() != self.lang
        skip = (self.skipping or tag in SKIP_TAGS or "user-content" in classes or "data-user" in a
                or other_language)
        if not skip:
            for name in ("title", "placeholder", "aria-label", "alt"):
                if a.get(name):
                    self.parts.append(a[name] or "")
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(a["value"] or "")
        if tag not in VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.parts.append(data)


def read(html: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser


# Codes that are not words: file paths (docs/operations.md), quoted identifiers (“bus-station-3”),
# format masks (YYYY-MM, XXXX-XXXX-XXXX-XXXX), upper-case numbers (LY-2026-017, C1A2B3...),
# commands (cluedesk triage-train), numbered labels (custodian-1), links, digests (hex).
CODE_LIKE = re.compile(r"[\w.-]+/[\w./-]+|“[a-z0-9_-]+”|\b[A-Z0-9]+(?:-[A-Z0-9]+)+\b|\b(?=[A-Z0-9]*\d)[A-Z0-9]{6,}\b"
                       r"|\bcluedesk [a-z][a-z-]+|\b[a-z]+(?:-[a-z]+)*-\d+\b|https?://\S+"
                       r"|\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b")


def strip_user_text(text: str, user_texts: list[str]) -> str:
    for value in user_texts:
        text = text.replace(value, " ")
    return text


def around(text: str, token: str) -> str:
    at = text.find(token)
    return " ".join(text[max(0, at - 40):at + len(token) + 40].split())


def problems_in(text: str, lang: str) -> list[str]:
    """What is wrong with a page's visible text (user content already taken out), each with its context."""
    found: list[str] = []
    for code in sorted(set(RAW_CODE.findall(text))):
        found.append(f"raw code {code!r} in “{around(text, code)}”")
    if lang == "en":
        for run in sorted(set(re.findall(CJK.pattern + "+", text))):
            found.append(f"CJK {run!r} in “{around(text, run)}”")
    else:
        words = CODE_LIKE.sub(" ", text)
        for word in sorted({w for w in LATIN_WORD.findall(words) if w not in ALLOWED_LATIN}):
            found.append(f"Latin {word!r} in “{around(text, word)}”")
    return found


def crawl(client: Client, starts: list[str], lang: str, user_texts: list[str],
          limit: int = 400) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Walk from ``starts``; return {path: problems}, the pages read and the downloads seen."""
    queue: deque[str] = deque(starts)
    seen_paths: set[str] = set()
    seen_routes: set[str] = set()
    pages: list[str] = []
    downloads: list[str] = []
    problems: dict[str, list[str]] = {}
    while queue and len(pages) < limit:
        path = queue.popleft()
        if path in seen_paths:
            continue
        seen_paths.add(path)
        route = route_of(path)
        if route is None or route in seen_routes:
            continue
        if is_download(path):  # noted by path: an export's route serves CSV and XLSX
            downloads.append(path)
            continue
        response = client.get(path)
        if response.status_code == 405 or 300 <= response.status_code < 400:
            continue
        seen_routes.add(route)
        if "text/html" not in response.get("Content-Type", "") or "attachment" in response.get(
                "Content-Disposition", ""):
            downloads.append(path)
            continue
        pages.append(path)
        parsed = read(response.content.decode())
        text = strip_user_text("\n".join(parsed.parts), user_texts)
        found = problems_in(text, lang)
        if found:
            problems[path] = found
        for href in parsed.links:
            parts = urlsplit(urljoin(path, href))
            if parts.netloc and parts.netloc not in ("testserver",):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if wanted(target) and target not in seen_paths and "/logout" not in target:
                queue.append(target)
    return problems, pages, downloads


CASE_TITLE = "浏阳市集里街道菜市场涉黑案"


@pytest.fixture
def seeded():
    """The browser suite's world (a reported clue walked to a drafted conclusion, a staff question,
    a disclosure request), plus rows that bring out more wording: a supervision item with its notices
    (stored in English by the scan, read in Chinese), a deployment profile set by the system, a
    major case."""
    import datetime as dt

    from cluedesk.cases import services as cases
    from cluedesk.deployment.services import set_profile
    from cluedesk.ledger.services import Actor
    from cluedesk.supervision import services as supervision
    from tests.e2e.data import rich_world

    rich = rich_world()
    supervision.escalate(rich.clue.pk, "overdue", "upgrade")
    set_profile("national_anti_gang", {}, actor=Actor.system("demo"))
    cases.open_case(acting_user=rich.everyone, division=rich.w.county.division, title=CASE_TITLE,
                    opened_on=dt.date.today() - dt.timedelta(days=30), listed=True,
                    listed_on=dt.date.today() - dt.timedelta(days=20), clues=[rich.clue])
    return rich


def user_texts_of(rich) -> list[str]:
    """What the seeded world holds by name or as typed text: shown as is in both languages."""
    from django.contrib.auth import get_user_model

    from cluedesk.clues.models import Clue
    from cluedesk.org.models import Division, Unit

    values: set[str] = set()
    values |= set(Unit.objects.values_list("name", flat=True))
    values |= set(Division.objects.values_list("name", flat=True))
    for user in get_user_model().objects.all():
        values |= {user.username, user.get_full_name(), user.email}
    values |= set(Clue.objects.values_list("public_id", flat=True))
    values |= {rich.code, CASE_TITLE,
               "浏阳市集里街道菜市场有一伙人每周向摊主收取保护费，不给就砸摊。", "湖南省长沙市浏阳市", "每周一早上",
               "三名男子", "李四", "13800000000", "photo.png", "Interviewed two stall holders.", "LY-2026-017",
               "Three suspects identified.", "Your report was verified; a criminal case has been opened.",
               "请问收钱的人有没有固定的车辆？", "We must interview the witness about the market."}
    return sorted((v for v in values if v and len(v) > 1), key=len, reverse=True)


def export_text(client: Client, path: str) -> str:
    """Every cell of a CSV or XLSX export, one a line."""
    response = client.get(path)
    if response.status_code != 200:  # e.g. /statistics.csv before anything is published
        return ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return "\n".join(cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row)


def in_language(client: Client, lang: str) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_every_page_speaks_one_language(seeded, lang: str) -> None:
    from django.core.cache import cache

    cache.clear()  # rate-limit counters
    texts = user_texts_of(seeded)
    starts = [f"/staff/clues/{seeded.clue.public_id}/", *start_paths()]
    # one person holding every role in the national unit sees every page; the Liuyang staff, one per
    # role, see what is addressed to their unit (notices, their queue) and their role's own menu
    problems: dict[str, list[str]] = {}
    pages: list[str] = []
    downloads: list[str] = []
    for person in [seeded.everyone, *seeded.w.staff.values()]:
        staff = in_language(login_verified(Client(), person), lang)
        more, read_pages, files = crawl(staff, starts, lang, texts)
        problems.update(more)
        pages += [p for p in read_pages if p not in pages]
        downloads += [p for p in files if p not in downloads]
    # the registers' exports (CSV and XLSX), as the person holding every role downloads them
    exporter = in_language(login_verified(Client(), seeded.everyone, sudo=True), lang)
    exports = [p for p in downloads if "export" in p or urlsplit(p).path.endswith((".csv", ".xlsx"))]
    for path in exports:
        found = problems_in(strip_user_text(export_text(exporter, path), texts), lang)
        if found:
            problems[path] = found
    assert any("csv" in p for p in exports) and any("xlsx" in p for p in exports), downloads
    reporter = in_language(Client(), lang)  # a reporter who looked up their report
    assert reporter.post("/track/", {"code": seeded.code}).status_code in (302, 303)
    more, public_pages, _ = crawl(reporter, [p for p in start_paths() if not p.startswith("/staff/")], lang, texts)
    problems.update(more)
    anonymous = in_language(Client(), lang)
    more, _, _ = crawl(anonymous, ["/", "/track/", "/staff/login/"], lang, texts)
    problems.update(more)
    # pages the crawl does not reach: /api/docs (the frame around Swagger UI), the error pages
    for client, path in [(anonymous, "/api/docs"), (anonymous, "/no-such-page/"), (staff, "/staff/no-such-page/")]:
        found = problems_in(strip_user_text("\n".join(read(client.get(path).content.decode()).parts), texts), lang)
        if found:
            problems[path] = found
    assert len(pages) > 40 and len(public_pages) >= 4, (pages, public_pages)
    assert "/track/status/" in public_pages
    report = "\n".join(f"{path}: {'; '.join(found)}" for path, found in sorted(problems.items()))
    assert not problems, f"{len(problems)} of {len(pages) + len(public_pages)} pages in {lang}:\n{report}"


# --- the catalogues ----------------------------------------------------------------------------

def po_entries(text: str) -> list[tuple[str | None, str, str | None, set[str], list[str]]]:
    """(msgctxt, msgid, msgid_plural, flags, msgstrs) of each entry of a .po file, header left out."""
    import ast

    found: list[tuple[str | None, str, str | None, set[str], list[str]]] = []
    entry: dict[str, str] = {}
    flags: set[str] = set()
    key = ""
    for line in [*text.splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry.get("msgid"):
                found.append((entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"), flags,
                              [v for k, v in entry.items() if k.startswith("msgstr")]))
            entry, flags, key = {}, set(), ""
        elif line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return found


def catalogues() -> list[Path]:
    return sorted((ROOT / "cluedesk").glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_catalogue_entry_is_translated_and_none_is_fuzzy() -> None:
    bad = [f"{po.relative_to(ROOT)}: {msgid!r}{' (fuzzy)' if 'fuzzy' in flags else ''}"
           for po in catalogues()
           for _ctx, msgid, _plural, flags, msgstrs in po_entries(po.read_text(encoding="utf-8"))
           if "fuzzy" in flags or not all(msgstrs)]
    assert len(catalogues()) >= 10
    assert not bad, "\n".join(bad)


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path: Path, settings) -> None:
    """makemessages over a copy of the code (so no catalogue of ours is touched) lists every
    message the code and templates mark; each must be in the compiled catalogues (any app's, or
    Django's own) — a msgid added without its translation, or a .po not compiled, fails here."""
    import shutil

    from django.core.management import call_command
    from django.utils.translation import trans_real

    code = tmp_path / "src" / "code"
    shutil.copytree(ROOT / "cluedesk", code, ignore=shutil.ignore_patterns(
        "locale", "migrations", "__pycache__", "static", "*.mo", "*.po"))
    (tmp_path / "src" / "locale").mkdir()
    settings.LOCALE_PATHS = []  # makemessages would otherwise write into the first of them
    cwd = Path.cwd()
    try:
        os.chdir(tmp_path / "src")
        call_command("makemessages", locale=["zh_Hans"], no_location=True, no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = po_entries((tmp_path / "src/locale/zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    assert len(extracted) > 1000
    catalog = trans_real.translation("zh-hans")._catalog  # type: ignore[attr-defined]
    missing = []
    for ctx, msgid, plural, _flags, _msgstrs in extracted:
        if CJK.search(msgid):
            continue  # already Chinese (the language switch's own name)
        key = (msgid, 0) if plural else (f"{ctx}\x04{msgid}" if ctx else msgid)
        if not catalog.get(key):
            missing.append(f"{ctx + ' | ' if ctx else ''}{msgid}")
    assert not missing, f"{len(missing)} messages without a Chinese translation:\n" + "\n".join(missing)


# --- notices stored in one language, read in another -------------------------------------------

def test_a_notice_written_by_the_scan_in_english_reads_in_chinese_and_back() -> None:
    from django.utils import translation

    from cluedesk.supervision.notice_wording import localize

    with translation.override("en"):
        stored = "\n".join([
            "Clue C1A2B3C4D5E6F was put under supervision: overdue.", "Ordered: upgrade to the level above.",
            "Unit to take it: Changsha anti-gang office.", "http://127.0.0.1:8000/staff/clues/C1A2B3C4D5E6F/"])
        assert localize(stored) == stored
    with translation.override("zh-hans"):
        chinese = localize(stored)
        assert chinese.splitlines() == [
            "线索 C1A2B3C4D5E6F 已列入督办：已超期。", "督办措施：提级办理。", "承办单位：Changsha anti-gang office。",
            "http://127.0.0.1:8000/staff/clues/C1A2B3C4D5E6F/"], chinese
        assert localize("Supervision: clue C1 — reported repeatedly") == "督办：线索 C1 — 被反复举报"
    with translation.override("en"):
        assert localize(chinese) == stored  # written in Chinese, read in English
        assert localize("a line of the officer's own") == "a line of the officer's own"


def test_every_catalogue_is_compiled() -> None:
    """Each django.mo says what its django.po says: a msgstr edited by hand and not compiled
    (msgfmt -o django.mo django.po) would not reach the pages."""
    import gettext

    stale = []
    for po in catalogues():
        with po.with_suffix(".mo").open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for ctx, msgid, plural, _flags, msgstrs in po_entries(po.read_text(encoding="utf-8")):
            if plural:
                got = compiled.npgettext(ctx, msgid, plural, 1) if ctx else compiled.ngettext(msgid, plural, 1)
            else:
                got = compiled.pgettext(ctx, msgid) if ctx else compiled.gettext(msgid)
            if got != msgstrs[0]:
                stale.append(f"{po.relative_to(ROOT)}: {msgid!r}")
    assert not stale, "compile these catalogues:\n" + "\n".join(stale)


def test_the_reader_finds_what_it_should_and_only_that() -> None:
    """The checker itself: what counts as the other language, a raw code, user content."""
    html = ('<html lang="zh-Hans"><head><title>线索 · cluedesk</title></head><body><h1>线索</h1>'
            '<p>导出 CSV · XLSX，摘要 3fa9c0d2e1b4a5f6，见 docs/operations.md，运行 cluedesk triage-train</p>'
            '<p class="user-content">Interviewed two stall holders</p><span lang="en">English</span>'
            '<code>cluedesk serve</code><input placeholder="YYYY-MM"><p>criminal_case</p><p>Deadline first</p>'
            '</body></html>')
    found = problems_in("\n".join(read(html).parts), "zh-hans")
    assert [f.split(" in ")[0] for f in found] == ["raw code 'criminal_case'", "Latin 'Deadline'", "Latin 'case'",
                                                  "Latin 'criminal'", "Latin 'first'"], found
    english = read('<html lang="en"><body><p>Notices</p><p title="到期">due</p><span lang="zh-Hans">简体中文</span>'
                   '<p data-user>李四</p></body></html>')
    assert [f.split(" in ")[0] for f in problems_in("\n".join(english.parts), "en")] == ["CJK '到期'"]
