"""sqlmap (Debian's /usr/bin/sqlmap) against the public form, the status look-up (page and API)
and an authenticated staff list, on a live server at 127.0.0.1. Not in CI (minutes per target).

    .venv/bin/python tests/attack/run_sqlmap.py [--level 3] [--risk 2] [--out /tmp/sqlmap-results.json]

Prints one JSON object: per target, the parameters tested, whether any was found injectable,
and the HTTP error counts sqlmap saw. Exit 1 when anything is injectable. Rate limits are raised
for the run (every request comes from 127.0.0.1), and sqlmap's output folder is a temporary one.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.reliability.live import Live  # noqa: E402

HERE = Path(__file__).resolve().parent
TECHNIQUE = "BEUST"  # --technique overrides; time-based (T) is unreliable on a loaded machine


def csrf_pair(base: str, path: str) -> tuple[str, str]:
    """A csrftoken cookie and a form token that goes with it (one GET), so sqlmap's requests pass
    the CSRF check and reach the code under test."""
    with urllib.request.urlopen(base + path, timeout=30) as r:  # noqa: S310 - 127.0.0.1
        cookie = re.search(r"csrftoken=([^;]+)", r.headers.get("Set-Cookie", ""))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', r.read())
    assert cookie and token, "no CSRF cookie or token on " + path
    return cookie.group(1), token.group(1).decode()


def real_code(base: str, token: str) -> str:
    req = urllib.request.Request(base + "/api/v1/reports", data=json.dumps({"text": "某村有人开设赌场，放高利贷。"}).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                          "Idempotency-Key": "sqlmap-real-code"})
    with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310 - 127.0.0.1
        return str(json.loads(r.read())["tracking_code"])


def targets(base: str, token: str, session: str) -> list[dict[str, object]]:
    code = real_code(base, token)
    form_cookie, form_token = csrf_pair(base, "/report/")
    track_cookie, track_token = csrf_pair(base, "/track/")
    return [
        {"name": "public report form", "args": [
            "-u", f"{base}/report/", "--method", "POST", "--cookie", f"csrftoken={form_cookie}",
            "--data", "text=something+happened+at+the+market&place_text=abc&when_text=x&who_text=y&category=&name=&contact="
                      f"&nonce=abcdefghijklmnopqrstuvwx&csrfmiddlewaretoken={form_token}",
            "-p", "text,place_text,when_text,who_text,category,name,contact,nonce"]},
        {"name": "status look-up page", "args": [
            "-u", f"{base}/track/", "--method", "POST", "--cookie", f"csrftoken={track_cookie}",
            "--data", f"code={code}&csrfmiddlewaretoken={track_token}", "-p", "code", "--ignore-code", "404"]},
        {"name": "status look-up API", "args": [
            "-u", f"{base}/api/v1/reports/status", "--method", "POST", "--ignore-code", "404",
            "--data", json.dumps({"tracking_code": code + "*"}), "--headers",
            f"Authorization: Bearer {token}\nContent-Type: application/json"]},
        {"name": "report API", "args": [
            # one key for every request: the body is checked and written, then 409 (another body, same key)
            "-u", f"{base}/api/v1/reports", "--method", "POST", "--ignore-code", "409,422",
            "--data", '{"text": "some text about the market*", "place": "abc*", "who": "x*", "category": "*", '
                      '"channel_ref": "r*"}',
            "--headers", f"Authorization: Bearer {token}\nContent-Type: application/json\nIdempotency-Key: sqlmap"]},
        {"name": "staff clue list (signed in)", "args": [
            "-u", f"{base}/staff/clues/?q=abc&state=new&priority=&category=x&industry=y&division=43&sort=&queue=all&page=1",
            "--cookie", f"sessionid={session}", "-p", "q,state,priority,category,industry,division,sort,queue,page"]},
    ]


def run_one(target: dict[str, object], level: int, risk: int, out_dir: Path, timeout: int) -> dict[str, object]:
    argv = ["sqlmap", "--batch", "--flush-session", f"--level={level}", f"--risk={risk}",
            "--technique=" + TECHNIQUE, "--time-sec=5", "--timeout=20", "--retries=1", "--threads=2",
            f"--output-dir={out_dir}", "--disable-coloring", "--answers=follow=N",
            *[str(a) for a in target["args"]]]  # type: ignore[union-attr]
    t0 = time.time()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        text, code = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        text, code = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or ""), -1
    injectable = sorted(set(re.findall(r"(?:GET|POST|Cookie|\(custom\) POST) parameter '([^']+)' (?:is|appears to be) "
                                       r"'[^']*' injectable", text)))
    tested = sorted(set(re.findall(r"testing for SQL injection on (?:GET |POST |\(custom\) POST |Cookie )?parameter "
                                   r"'([^']+)'", text)) | set(re.findall(r"parameter '([^']+)' does not seem to be "
                                                                          r"injectable", text)))
    http_errors = re.findall(r"HTTP error codes detected during run:\s*\n?([^\n]+)", text)
    requests = len(re.findall(r"\[INFO\] testing '", text))
    return {"target": target["name"], "seconds": round(time.time() - t0, 1), "exit": code,
            "parameters_tested": tested, "injectable": injectable,
            "all_not_injectable": "all tested parameters do not appear to be injectable" in text,
            "payload_families_tried": requests, "http_errors": http_errors,
            "tail": [line for line in text.strip().splitlines() if "CRITICAL" in line or "ERROR" in line][-3:]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--level", type=int, default=3)
    ap.add_argument("--risk", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=1200, help="seconds per target")
    ap.add_argument("--only", default="", help="a substring of one target's name")
    ap.add_argument("--technique", default="BEUST", help="sqlmap techniques (BEUST: all but inline queries)")
    ap.add_argument("--out", default="")
    ap.add_argument("--url", default="", help="attack this running server instead of starting one (needs --token, "
                    "--session)")
    ap.add_argument("--token", default="")
    ap.add_argument("--session", default="")
    args = ap.parse_args()
    global TECHNIQUE
    TECHNIQUE = args.technique
    if not shutil.which("sqlmap"):
        sys.exit("sqlmap is not installed (Debian: apt-get install sqlmap)")
    out_dir = Path(tempfile.mkdtemp(prefix="cluedesk-sqlmap-"))
    results = []
    if args.url:
        for target in targets(args.url, args.token, args.session):
            if args.only and args.only not in str(target["name"]):
                continue
            results.append(run_one(target, args.level, args.risk, out_dir, args.timeout))
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
        print(json.dumps({"tool": "sqlmap", "level": args.level, "risk": args.risk, "targets": results,
                          "injectable_total": sum(len(r["injectable"]) for r in results)}, ensure_ascii=False,  # type: ignore[arg-type]
                         indent=1))
        return
    # with serve's own task worker: the reports the attack submits are triaged as in production
    live = Live(workers=2, env={"CLUEDESK_TASK_WORKERS": "1"})
    try:
        live.prepare()
        session = subprocess.run([sys.executable, str(HERE / "staff_session.py")], env=live.env, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
        live.start()
        for target in targets(live.url, live.token, session):
            if args.only and args.only not in str(target["name"]):
                continue
            results.append(run_one(target, args.level, args.risk, out_dir, args.timeout))
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
        verify = live.cli("ledger", "verify")
    finally:
        live.destroy()
        shutil.rmtree(out_dir, ignore_errors=True)
    summary = {"tool": "sqlmap", "level": args.level, "risk": args.risk, "database": live.vendor,
               "targets": results, "injectable_total": sum(len(r["injectable"]) for r in results),  # type: ignore[arg-type]
               "ledger_verify_exit": verify.returncode}
    text = json.dumps(summary, ensure_ascii=False, indent=1)
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    sys.exit(1 if summary["injectable_total"] else 0)


if __name__ == "__main__":
    main()
