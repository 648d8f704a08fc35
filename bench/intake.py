"""Intake throughput: the real server (`cluedesk serve`, SQLite, as the README runs it) under
N reports from C concurrent clients — a mix of form posts and API calls, a tenth with a small
attachment. Prints one JSON object: reports/s, p50/p99 latency (ms), server RSS (MB), accepted,
stored, lost, duplicated.

    .venv/bin/python bench/intake.py [--reports 20000] [--clients 32] [--workers N]

Rate limits are raised for the run (every client here is 127.0.0.1). All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import sqlite3
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, percentile  # noqa: E402

TIPS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "tips_dev.jsonl"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def sample_texts(n: int = 500) -> list[str]:
    if TIPS.exists():
        lines = TIPS.read_text(encoding="utf-8").splitlines()[:n]
        return [json.loads(x)["text"][:600] for x in lines]
    return ["某县某村有人长期聚众赌博，并放高利贷，逼债打人。"] * n


async def http(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        key = k.strip().lower()
        headers[key] = (headers[key] + "\n" + v.strip()) if key in headers else v.strip()
    return status, headers, body


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----cluedesk" + uuid.uuid4().hex
    out = bytearray()
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v.encode() + b"\r\n"
    for field, name, content, ctype in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n").encode() + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class Client:
    def __init__(self, port: int, token: str, texts: list[str], rng: random.Random):
        self.port, self.token, self.texts, self.rng = port, token, texts, rng
        self.cookie = ""
        self.csrf = ""

    async def prime(self) -> None:
        status, headers, body = await http(self.port, request("GET", "/report/", {}))
        m = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
        self.cookie = f"csrftoken={m.group(1)}" if m else ""
        t = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        self.csrf = t.group(1).decode() if t else ""

    async def send(self, mark: str, use_api: bool, attach: bool) -> tuple[bool, float]:
        text = f"{self.rng.choice(self.texts)} [{mark}]"
        t0 = time.perf_counter()
        if use_api:
            payload = {"text": text, "place": "湖南省长沙市岳麓区", "when": "去年", "who": "张某"}
            if attach:
                import base64
                payload["attachments"] = [{"filename": "p.png", "content_base64": base64.b64encode(PNG).decode()}]
            body = json.dumps(payload, ensure_ascii=False).encode()
            raw = request("POST", "/api/v1/reports", {
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                "Idempotency-Key": mark}, body)
            status, _, resp = await http(self.port, raw)
            ok = status in (200, 201) and b"tracking_code" in resp
            if not ok and os.environ.get("BENCH_DEBUG"):
                print("api", status, resp[:300], file=sys.stderr)
        else:
            fields = {"csrfmiddlewaretoken": self.csrf, "text": text, "place_text": "湖南省长沙市岳麓区",
                      "when_text": "去年", "who_text": "", "category": "", "name": "", "contact": "",
                      "nonce": secrets.token_urlsafe(18)}
            files = [("files", "p.png", PNG, "image/png")] if attach else []
            body, ctype = multipart(fields, files)
            raw = request("POST", "/report/", {"Content-Type": ctype, "Cookie": self.cookie,
                                                "Referer": f"http://127.0.0.1:{self.port}/report/",
                                                "Accept-Language": "zh-Hans"}, body)
            status, headers, resp = await http(self.port, raw)
            ok = status in (200, 201) and re.search(rb"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", resp) is not None
            if not ok and os.environ.get("BENCH_DEBUG"):
                print("form", status, resp[:300], file=sys.stderr)
        return ok, (time.perf_counter() - t0) * 1000


async def load(server: Server, token: str, n: int, clients: int) -> dict[str, object]:
    texts = sample_texts()
    rng = random.Random(7)
    pool = [Client(server.port, token, texts, random.Random(i)) for i in range(clients)]
    await asyncio.gather(*(c.prime() for c in pool))
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    latencies: list[float] = []
    accepted: list[str] = []
    failed = 0
    rss_peak = 0.0

    async def worker(c: Client) -> None:
        nonlocal failed
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            mark = f"bench-{i:07d}"
            try:
                ok, ms = await c.send(mark, use_api=(i % 2 == 1), attach=(rng.random() < 0.1))
            except OSError:
                ok, ms = False, 0.0
            if ok:
                accepted.append(mark)
                latencies.append(ms)
            else:
                failed += 1

    async def sampler() -> None:
        nonlocal rss_peak
        while not queue.empty():
            rss_peak = max(rss_peak, server.rss_mb())
            await asyncio.sleep(1)

    t0 = time.perf_counter()
    await asyncio.gather(sampler(), *(worker(c) for c in pool))
    elapsed = time.perf_counter() - t0
    return {"elapsed_s": round(elapsed, 2), "latencies": latencies, "accepted": accepted, "failed": failed,
            "rss_peak_mb": rss_peak}


async def warm_up(server: Server, token: str) -> None:
    """Each worker loads its models on its first report; do that before the clock starts."""
    c = Client(server.port, token, ["预热：某镇有人开设赌场。"], random.Random(0))
    await asyncio.gather(*(c.send(f"warmup-{i:04d}", use_api=True, attach=False) for i in range(24)))


def stored_marks(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT text FROM intake_report WHERE text LIKE '%[bench-%'").fetchall()
    con.close()
    out = []
    for (text,) in rows:
        m = re.search(r"\[(bench-\d{7})\]", text)
        if m:
            out.append(m.group(1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    env = {"CLUEDESK_RATE_SUBMIT": "100000000", "CLUEDESK_RATE_LOOKUP": "100000000", "CLUEDESK_DEMO": "0"}
    server = Server(env=env, workers=args.workers)
    server.start()
    try:
        token = server.run("channel-token", "create", "bench").strip().splitlines()[-1].split()[-1]
        # measure the real triage: wait for the first start's background training of the charge model
        model = Path(server.data_dir) / "triage" / "charge_model.pkl"
        deadline = time.time() + 900
        while not model.exists() and time.time() < deadline:
            time.sleep(2)
        asyncio.run(warm_up(server, token))
        result = asyncio.run(load(server, token, args.reports, args.clients))
        rss_end = server.rss_mb()
    finally:
        server.stop()
    stored = stored_marks(Path(server.data_dir) / "cluedesk.sqlite3")
    accepted = set(result["accepted"])  # type: ignore[arg-type]
    stored_set = set(stored)
    lat: list[float] = result["latencies"]  # type: ignore[assignment]
    print(json.dumps({
        "bench": "intake", "reports": args.reports, "clients": args.clients,
        "workers": args.workers or 2 * (os.cpu_count() or 1), "database": "sqlite",
        "reports_per_s": round(len(accepted) / float(result["elapsed_s"]), 1),  # type: ignore[arg-type]
        "p50_ms": round(percentile(lat, 50), 1), "p99_ms": round(percentile(lat, 99), 1),
        "server_rss_mb": max(float(result["rss_peak_mb"]), rss_end),  # type: ignore[arg-type]
        "accepted": len(accepted), "refused_or_failed": result["failed"], "stored": len(stored),
        "lost": len(accepted - stored_set), "duplicated": len(stored) - len(stored_set),
        "elapsed_s": result["elapsed_s"],
    }))


if __name__ == "__main__":
    main()
