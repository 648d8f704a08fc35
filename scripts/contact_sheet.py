#!/usr/bin/env python
"""A contact sheet: every page, both languages, phone (390) and desk (1280) width, in one image per
language that a person can scan in one look (docs/contact-sheet-en.png, docs/contact-sheet-zh.png).

    .venv/bin/python scripts/contact_sheet.py                     # demo data in /tmp/cluedesk-contact-sheet
    .venv/bin/python scripts/contact_sheet.py --port 8117 --shots /work/notes/shots

What it does:
1. Starts a demo server (``cluedesk serve``) on its own data folder (seeded on its first start:
   demo people, reports, clues walked through the lifecycle, every app's demo rows).
2. Makes two visitors: a reporter who looked up a report (with a staff question on it), and a
   staff member holding every role in the national unit, signed in with a verified second factor
   (a session made directly in the demo database).
3. Crawls (tests/e2e/crawl.py: every parameterless route of the URL resolver, then the links each
   page shows, one page per route) in each language at each width, and photographs the top of
   each page; adds the error pages (404 public and staff).
4. Lays the pictures out, labelled by route, phone row above desk row, and writes PNGs (256
   colours, so each stays a few MB at most). The full-size pictures stay in --shots.

Pages added later by any app appear without editing this script. Chinese needs a CJK font for
Chromium and for the labels: ``apt-get install -y fonts-wqy-microhei`` (small) or fonts-noto-cjk.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 860}
LANGS = {"en": "en", "zh": "zh-hans"}
EXTRA = [("404", "/no-such-page/"), ("staff 404", "/staff/no-such-page/")]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "home"


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CLUEDESK_DATA_DIR=str(data_dir), CLUEDESK_DEMO="1", CLUEDESK_TRAIN_ON_START="0")
    log = (data_dir / "serve.log").open("ab")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/cluedesk"), "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.time() + 900  # the first start loads divisions and seeds the demo (a minute or more)
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the demo server stopped; see {data_dir / 'serve.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return proc
        except OSError:
            time.sleep(2)
    proc.terminate()
    raise SystemExit("the demo server did not answer in time")


def visitors(data_dir: Path) -> tuple[str, str, str]:
    """(staff session cookie, reporter's tracking code, session cookie name) from the demo database."""
    os.environ.update(CLUEDESK_DATA_DIR=str(data_dir), CLUEDESK_DEMO="1", DJANGO_SETTINGS_MODULE="cluedesk.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from cluedesk.clues.models import Clue
    from cluedesk.intake import services as intake
    from cluedesk.intake.models import Report
    from cluedesk.ledger.services import Actor
    from cluedesk.org.models import ROOT_CODE, Role, Unit
    from tests.org.factories import login_verified, make_staff

    nation = Unit.objects.filter(division_id=ROOT_CODE, active=True).order_by("pk").first()
    if nation is None:
        raise SystemExit("no national unit in the demo data")
    everyone = make_staff("contact-sheet", nation, *Role.values)
    client = login_verified(Client(), everyone, sudo=True)
    staff_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    report, code = intake.submit_report(
        text="菜市场有一伙人每周向摊主收取保护费，不给就砸摊。", place_text="湖南省长沙市浏阳市", channel="web",
        name="李四", contact="13800000000", actor=Actor.reporter())
    clue = report.clue or Clue.objects.filter(state=Clue.State.VERIFYING).first()
    staff_member = next((m.user for m in nation.memberships.select_related("user")
                         if m.role == Role.VERIFIER and m.user != everyone), everyone)
    intake.post_staff_message(report, "请问收钱的人有没有固定的车辆？", acting_user=staff_member)
    assert Report.objects.filter(pk=report.pk).exists() and clue is not None
    return staff_cookie, code, settings.SESSION_COOKIE_NAME


def photograph(browser, base: str, lang: str, viewport: dict[str, int], staff_cookie: str, cookie_name: str,
               code: str, shots: Path) -> list[tuple[str, Path]]:
    from tests.e2e.crawl import crawl, start_paths

    taken: list[tuple[str, Path]] = []
    width = viewport["width"]

    def context(**kw):
        ctx = browser.new_context(base_url=base, viewport=viewport, locale="zh-CN" if lang == "zh" else "en-GB",
                                  **kw)
        ctx.add_cookies([{"name": "django_language", "value": LANGS[lang], "url": base}])
        ctx.set_default_timeout(30_000)
        return ctx

    def snap(page, label: str) -> None:
        path = shots / f"e2e-{slug(label)}-{lang}-{width}.png"
        page.screenshot(path=str(path), full_page=False)
        taken.append((label, path))

    reporter_ctx = context()
    reporter = reporter_ctx.new_page()
    reporter.goto("/track/")
    reporter.locator("input[name=code]").fill(code)
    reporter.locator("form[action='/track/'] button[type=submit]").click()
    reporter.wait_for_url("**/track/status/")
    for _visit in crawl(reporter, base, ["/", "/track/status/", *start_paths()],
                        on_page=lambda page, visit: snap(page, visit.route),
                        follow=lambda p: not p.startswith(("/staff/", "/api/"))):
        pass
    for label, path in EXTRA[:1]:
        reporter.goto(path)
        snap(reporter, label)
    reporter_ctx.close()

    staff_ctx = context()
    staff_ctx.add_cookies([{"name": cookie_name, "value": staff_cookie, "url": base}])
    staff = staff_ctx.new_page()
    for _visit in crawl(staff, base, start_paths("/staff/"), on_page=lambda page, visit: snap(page, visit.route),
                        follow=lambda p: p.startswith("/staff/")):
        pass
    for label, path in EXTRA[1:]:
        staff.goto(path)
        snap(staff, label)
    staff_ctx.close()
    return taken


def lay_out(title: str, rows: list[tuple[str, list[tuple[str, Path]]]], out: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    def font(size: int):
        for name in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                     "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                     "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
            if Path(name).exists():
                return ImageFont.truetype(name, size)
        return ImageFont.load_default()

    pad, label_h = 10, 30
    sizes = {"phone": (180, 390), "desk": (400, 269)}
    per_row = {"phone": 12, "desk": 6}
    sheet_w = max(per_row[k] * (sizes[k][0] + pad) + pad for k in sizes)
    blocks = []
    for kind, shots in rows:
        tw, th = sizes[kind]
        n = max(1, len(shots))
        lines = (n + per_row[kind] - 1) // per_row[kind]
        blocks.append((kind, shots, tw, th, lines))
    height = 60 + sum(40 + lines * (th + label_h + pad) for _k, _s, _tw, th, lines in blocks)
    sheet = Image.new("RGB", (sheet_w, height), "#e9ecf1")
    draw = ImageDraw.Draw(sheet)
    draw.text((pad, 14), title, fill="#1d2330", font=font(26))
    y = 60
    small = font(13)
    for kind, shots, tw, th, _lines in blocks:
        draw.text((pad, y + 8), f"{kind} ({len(shots)} pages)", fill="#1d2330", font=font(20))
        y += 40
        for i, (label, path) in enumerate(shots):
            col, row = i % per_row[kind], i // per_row[kind]
            x0, y0 = pad + col * (tw + pad), y + row * (th + label_h + pad)
            with Image.open(path) as img:
                img = img.convert("RGB")
                img.thumbnail((tw, th * 4))
                img = img.crop((0, 0, tw, min(th, img.height)))
                sheet.paste(img, (x0, y0))
            draw.rectangle((x0 - 1, y0 - 1, x0 + tw, y0 + th), outline="#9aa3b1")
            text = label if len(label) <= tw // 7 else "…" + label[-(tw // 7 - 1):]
            draw.text((x0, y0 + th + 4), text, fill="#1d2330", font=small)
        y += _lines * (th + label_h + pad)
    sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    tmp = Path(tempfile.gettempdir())
    parser.add_argument("--data-dir", default=str(tmp / "cluedesk-contact-sheet"))
    parser.add_argument("--port", type=int, default=8117)
    parser.add_argument("--out", default=str(ROOT / "docs"))
    parser.add_argument("--shots", default=str(tmp / "cluedesk-contact-sheet-shots"))
    parser.add_argument("--chromium", default=os.environ.get("CLUEDESK_E2E_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    data_dir, shots, out = Path(args.data_dir), Path(args.shots), Path(args.out)
    for folder in (data_dir, shots, out):
        folder.mkdir(parents=True, exist_ok=True)
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        fonts = ""
    if not fonts.strip():
        print("warning: no Chinese font installed: Chinese pages will show boxes "
              "(apt-get install -y fonts-wqy-microhei)", flush=True)
    server = start_server(data_dir, args.port)
    try:
        staff_cookie, code, cookie_name = visitors(data_dir)
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # URL resolving under Playwright's loop
        from playwright.sync_api import sync_playwright

        base = f"http://127.0.0.1:{args.port}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
            for lang in LANGS:
                rows = []
                for kind, viewport in (("phone", PHONE), ("desk", DESK)):
                    taken = photograph(browser, base, lang, viewport, staff_cookie, cookie_name, code, shots)
                    rows.append((kind, taken))
                    print(f"{lang} {kind}: {len(taken)} pages", flush=True)
                target = out / f"contact-sheet-{lang}.png"
                title = {"en": "cluedesk: every page, English", "zh": "cluedesk：全部页面，简体中文"}[lang]
                lay_out(f"{title} · phone 390 px and desk 1280 px · {time.strftime('%Y-%m-%d')}", rows, target)
                print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)", flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
