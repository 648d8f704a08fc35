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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.reliability.live import Live  # noqa: E402

HERE = Path(__file__).resolve().parent


def targets(base: str, token: str, session: str) -> list[dict[str, object]]:
    return [
        {"name": "public report form", "args": [
            "-u", f"{base}/report/", "--method", "POST",
            "--data", "text=something+happened+here&place_text=abc&when_text=x&who_text=y&category=&name=&contact=&nonce="
                      "abcdefghijklmnopqrstuvwx&csrfmiddlewaretoken=x",
            "--csrf-token", "csrfmiddlewaretoken", "--csrf-url", f"{base}/report/",
            "-p", "text,place_text,when_text,who_text,category,name,contact,nonce"]},
        {"name": "status look-up page", "args": [
            "-u", f"{base}/track/", "--method", "POST", "--data", "code=ABCD-EFGH-JKMN-PQRS&csrfmiddlewaretoken=x",
            "--csrf-token", "csrfmiddlewaretoken", "--csrf-url", f"{base}/track/", "-p", "code"]},
        {"name": "status look-up API", "args": [
            "-u", f"{base}/api/v1/reports/status", "--method", "POST",
            "--data", '{"tracking_code": "ABCD-EFGH-JKMN-PQRS*"}', "--headers",
            f"Authorization: Bearer {token}\nContent-Type: application/json"]},
        {"name": "report API", "args": [
            "-u", f"{base}/api/v1/reports", "--method", "POST",
            "--data", '{"text": "some text*", "place": "abc*", "who": "x*", "category": "*", "channel_ref": "r*"}',
            "--headers", f"Authorization: Bearer {token}\nContent-Type: application/json"]},
        {"name": "staff clue list (signed in)", "args": [
            "-u", f"{base}/staff/clues/?q=abc&state=new&priority=&category=x&industry=y&division=43&sort=&queue=all&page=1",
            "--cookie", f"sessionid={session}", "-p", "q,state,priority,category,industry,division,sort,queue,page"]},
    ]


def run_one(target: dict[str, object], level: int, risk: int, out_dir: Path, timeout: int) -> dict[str, object]:
    argv = ["sqlmap", "--batch", "--flush-session", f"--level={level}", f"--risk={risk}",
            "--technique=BEUST", "--time-sec=2", "--timeout=20", "--retries=1", "--threads=2",
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
    tested = sorted(set(re.findall(r"testing if (?:GET |POST |\(custom\) POST |Cookie )?parameter '([^']+)' is dynamic",
                                   text)) | set(re.findall(r"parameter '([^']+)' does not seem to be injectable", text)))
    errors = re.findall(r"(\d+) times?\)?[^\n]*HTTP error codes detected during run:\n([^\n]+)", text)
    http_errors = re.findall(r"HTTP error codes detected during run:\s*\n?([^\n]+)", text)
    return {"target": target["name"], "seconds": round(time.time() - t0, 1), "exit": code,
            "parameters_tested": tested, "injectable": injectable,
            "all_not_injectable": "all tested parameters do not appear to be injectable" in text,
            "http_errors": http_errors or errors, "tail": text.strip().splitlines()[-3:]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--level", type=int, default=3)
    ap.add_argument("--risk", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=1200, help="seconds per target")
    ap.add_argument("--only", default="", help="a substring of one target's name")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    if not shutil.which("sqlmap"):
        sys.exit("sqlmap is not installed (Debian: apt-get install sqlmap)")
    live = Live(workers=2)
    out_dir = Path(tempfile.mkdtemp(prefix="cluedesk-sqlmap-"))
    results = []
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
