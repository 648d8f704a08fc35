"""/metrics (Prometheus text, guarded) and the JSON request log that never holds reporter data."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from cluedesk.ops.logging import JsonFormatter

pytestmark = pytest.mark.django_db


def _families(text: str) -> dict[str, list]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def _value(samples, **labels) -> float:
    return sum(s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items()))


def test_metrics_from_the_loopback_has_the_series(client: Client) -> None:
    before = _families(client.get("/metrics").content.decode())
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page/")
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/plain")
    fams = _families(resp.content.decode())
    for name in ("cluedesk_http_requests", "cluedesk_http_request_duration_seconds", "cluedesk_db_up",
                 "cluedesk_queue_tasks", "cluedesk_job_last_success_timestamp_seconds", "cluedesk_reports_stored"):
        assert name in fams, name
    grew = (_value(fams["cluedesk_http_requests"], route="/healthz", status="200")
            - _value(before.get("cluedesk_http_requests", []), route="/healthz", status="200"))
    assert grew == 2
    assert _value(fams["cluedesk_http_requests"], route="<unmatched>", status="404") >= 1
    assert _value(fams["cluedesk_db_up"]) == 1
    assert {s.labels["job"] for s in fams["cluedesk_job_last_success_timestamp_seconds"]} >= {"stats", "requeue_stalled"}


def test_a_report_through_the_form_counts_as_accepted(client: Client) -> None:
    def accepted() -> float:
        fams = _families(client.get("/metrics").content.decode())
        return _value(fams.get("cluedesk_reports_accepted", []), channel="web")

    start = accepted()
    resp = client.post("/report/", {"text": "菜市场有人收保护费", "place_text": "湖南长沙"})
    assert resp.status_code == 201
    assert accepted() == start + 1
    client.post("/report/", {"text": ""})  # refused: not counted
    assert accepted() == start + 1


@pytest.mark.parametrize("meta", [{"REMOTE_ADDR": "10.1.2.3"},
                                  {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}])
def test_metrics_is_hidden_from_anyone_else(meta) -> None:
    assert Client(**meta).get("/metrics").status_code == 404


def test_with_a_token_only_its_bearer_gets_metrics(settings) -> None:
    settings.CLUEDESK_METRICS_TOKEN = "t" * 40
    assert Client().get("/metrics").status_code == 404  # even from the loopback
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get("/metrics").status_code == 404
    ok = Client(REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer " + "t" * 40).get("/metrics")
    assert ok.status_code == 200 and b"cluedesk_db_up" in ok.content
    assert Client().post("/metrics").status_code in {403, 404}


@pytest.fixture
def json_log():
    """Everything every logger writes during the test, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    watched = [logging.getLogger(n) for n in ("cluedesk", "django.request", "django.security")]
    for logger in watched:
        logger.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for logger in watched:
            logger.removeHandler(handler)


def test_logs_hold_no_reporter_data_and_one_json_line_per_request(client: Client, json_log) -> None:
    secret = {"name": "欧阳秘密人", "contact": "13912345678", "text": "独特线索文本黑恶势力在渔港码头收取保护费XYZZY",
              "place_text": "湖南省长沙市浏阳市", "who_text": "绰号刀疤强QWERTY"}
    resp = client.post("/report/?via=poster7", secret, REMOTE_ADDR="198.51.100.77",
                       HTTP_USER_AGENT="SecretAgent/1.0")
    assert resp.status_code == 201
    import re

    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", resp.content.decode()).group(0)
    client.post("/track/", {"code": code}, REMOTE_ADDR="198.51.100.77")
    client.get("/track/status/", REMOTE_ADDR="198.51.100.77")
    client.post("/track/status/", {"body": "回复消息内容ABCDEF"}, REMOTE_ADDR="198.51.100.77")
    client.get(f"/track/?code={code}", REMOTE_ADDR="198.51.100.77")
    client.post("/api/v1/reports", json.dumps({"text": secret["text"]}), content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {code}", REMOTE_ADDR="198.51.100.77")
    written = json_log.getvalue()
    forbidden = [secret["name"], secret["contact"], "XYZZY", "QWERTY", "ABCDEF", code, code.replace("-", ""),
                 "198.51.100.77", "SecretAgent", "poster7", "渔港码头"]
    for value in forbidden:
        assert value not in written, f"{value!r} reached the logs"
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 5
    first = requests[0]
    assert set(first) == {"ts", "level", "logger", "msg", "event", "method", "route", "view", "status",
                          "duration_ms", "pid"}
    assert first["route"] == "/report/" and first["method"] == "POST" and first["status"] == 201
    assert any(r["route"] == "/track/" and r["method"] == "GET" for r in requests)


def test_a_server_error_is_logged_with_the_route_not_the_path(rf) -> None:
    from django.urls import resolve

    request = rf.get("/track/?code=AAAA-BBBB-CCCC-DDDD")
    request.resolver_match = resolve("/track/")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1,
                               "Internal Server Error: %s", ("/track/?code=AAAA-BBBB-CCCC-DDDD",), None)
    record.request = request
    record.status_code = 500
    line = json.loads(JsonFormatter().format(record))
    assert "AAAA" not in json.dumps(line)
    assert line["route"] == "/track/" and line["status"] == 500 and line["msg"] == "Internal Server Error"
