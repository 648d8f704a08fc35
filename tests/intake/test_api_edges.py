"""Issue 19, findings 6, 7 and 8: the channel API's edges, through HTTP.

6. A 100,000-deep nested body and a lone surrogate (``\\ud800``) answered 500.
7. Any channel token read the status and messages of any report (web-filed ones too), and 60
   unknown codes drew no 429.
8. A missing Idempotency-Key was accepted (a retry after a time-out filed the report twice), a
   ``text/plain`` body was parsed as JSON, and the schema allowed an empty ``text``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from cluedesk.intake import services
from cluedesk.ledger.services import Actor

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


def send(client: Client, token: str, path: str = "", body: Any = None, *, raw: str | bytes | None = None,
         content_type: str = "application/json", key: str | None = "fresh", **extra: Any) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
    if key is not None and not path:
        headers["HTTP_IDEMPOTENCY_KEY"] = str(uuid.uuid4()) if key == "fresh" else key
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL + path, data, content_type=content_type, **headers)


def file_report(client: Client, token: str, text: str = "某村有人开设赌场。") -> str:
    resp = send(client, token, body={"text": text})
    assert resp.status_code == 201, resp.content
    return resp.json()["tracking_code"]


# --- 6: nesting and surrogates -----------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "/status", "/messages"])
@pytest.mark.parametrize("depth", [100_000, 1_000, 21])
def test_a_deeply_nested_body_is_400_not_500(client: Client, channel_token: str, census, path: str,
                                             depth: int) -> None:
    before = census()
    resp = send(client, channel_token, path, raw='{"text": ' + "[" * depth + "]" * depth + "}")
    assert resp.status_code == 400, resp.content
    assert "nested too deeply" in resp.json()["detail"]
    zh = send(client, channel_token, path, raw="[" * depth + "]" * depth, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert zh.status_code == 400 and "嵌套" in zh.json()["detail"]
    assert census() == before


@pytest.mark.parametrize(("path", "body", "field"), [
    ("", {"text": "举报\ud800内容"}, "text"),
    ("", {"text": "x", "place": "\udfff"}, "place"),
    ("", {"text": "x", "attachments": [{"filename": "a\ud800.txt", "content_base64": "eA=="}]},
     "attachments.0.filename"),
    ("/messages", {"tracking_code": "0000-0000-0000-0000", "body": "\ud83d"}, "body"),
    ("/status", {"tracking_code": "\ud800"}, "tracking_code"),
])
def test_a_lone_surrogate_is_422_with_the_field_named(client: Client, channel_token: str, census, path: str,
                                                       body: dict, field: str) -> None:
    before = census()
    # json.dumps writes the lone surrogate as the escape "\ud800", as the probe sent it
    resp = send(client, channel_token, path, body)
    assert resp.status_code == 422, resp.content
    assert "surrogate" in resp.json()["errors"][field][0]
    assert census() == before


def test_a_surrogate_pair_is_a_character_and_is_kept(client: Client, channel_token: str) -> None:
    code = file_report(client, channel_token, text="举报 \U0001f600 内容")
    assert services.find_report(code).text == "举报 \U0001f600 内容"


# --- 7: a channel sees only its own reports, and is rate-limited -----------------------------

def test_a_channel_cannot_read_another_channels_or_a_web_report(client: Client, channel_token: str) -> None:
    other = services.create_channel_token("weibo", actor=Actor.system("test"))
    theirs = file_report(client, other)
    web = Client().post("/report/", {"text": "网页举报：某村有人放高利贷。"})
    assert web.status_code == 201
    web_code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", web.content.decode()).group(0)
    unknown = send(client, channel_token, "/status", {"tracking_code": "0000-0000-0000-0000"})
    assert unknown.status_code == 404
    for code in (theirs, web_code):
        status = send(client, channel_token, "/status", {"tracking_code": code})
        message = send(client, channel_token, "/messages", {"tracking_code": code, "body": "补充"})
        # exactly as "no such report": same status, same body
        assert (status.status_code, status.json()) == (404, unknown.json())
        assert (message.status_code, message.json()) == (404, unknown.json())
    assert not services.find_report(theirs).messages.exists()
    # the channel that filed it still reads it
    assert send(client, other, "/status", {"tracking_code": theirs}).status_code == 200


def test_unknown_codes_are_rate_limited_per_token_with_retry_after(client: Client, channel_token: str) -> None:
    real = file_report(client, channel_token)
    limit = settings.CLUEDESK_RATE_LOOKUP
    statuses = [send(client, channel_token, "/status", {"tracking_code": f"0000-0000-0000-{n:04d}"}).status_code
                for n in range(60)]
    assert statuses[:limit] == [404] * limit and set(statuses[limit:]) == {429}
    refused = send(client, channel_token, "/status", {"tracking_code": real})
    # past the limit even a right code answers 429: the limiter tells no right guess from a wrong one
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Wait ten minutes" in refused.json()["detail"]
    # another channel's token has its own count
    other = services.create_channel_token("weibo", actor=Actor.system("test"))
    assert send(client, other, "/status", {"tracking_code": "0000-0000-0000-0000"}).status_code == 404


def test_all_look_ups_are_bounded_per_token(client: Client, channel_token: str, settings) -> None:
    settings.CLUEDESK_RATE_LOOKUP = 1  # then 50 look-ups per window in all
    real = file_report(client, channel_token)
    statuses = [send(client, channel_token, "/status", {"tracking_code": real}).status_code for _ in range(52)]
    assert statuses[:50] == [200] * 50 and statuses[50:] == [429, 429]


def test_a_wrong_token_gets_retry_after_too(client: Client, channel_token: str, settings) -> None:
    settings.CLUEDESK_RATE_LOOKUP = 1
    send(client, "wrong", body={"text": "x"})
    resp = send(client, "wrong", body={"text": "x"})
    assert resp.status_code == 429 and int(resp["Retry-After"]) > 0


# --- 8: Idempotency-Key and JSON required; the schema carries the limits ----------------------

def test_a_submission_without_idempotency_key_is_refused(client: Client, channel_token: str, census) -> None:
    before = census()
    resp = send(client, channel_token, body={"text": "没有幂等键的举报"}, key=None)
    assert resp.status_code == 400 and "Idempotency-Key" in resp.json()["detail"]
    zh = send(client, channel_token, body={"text": "x"}, key=None, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert zh.status_code == 400 and "Idempotency-Key" in zh.json()["detail"] and "重试" in zh.json()["detail"]
    assert census() == before


def test_a_retry_with_the_key_files_one_report(client: Client, channel_token: str) -> None:
    first = send(client, channel_token, body={"text": "超时后重试"}, key="retry-1")
    again = send(client, channel_token, body={"text": "超时后重试"}, key="retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["tracking_code"] == first.json()["tracking_code"]


@pytest.mark.parametrize("path", ["", "/status", "/messages"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                                          "text/json"])
def test_a_body_not_declared_json_is_415(client: Client, channel_token: str, census, path: str,
                                         content_type: str) -> None:
    before = census()
    body = {"text": "x"} if not path else {"tracking_code": "0000-0000-0000-0000", "body": "x"}
    resp = send(client, channel_token, path, body, content_type=content_type)
    assert resp.status_code == 415 and "application/json" in resp.json()["detail"]
    assert census() == before


def test_json_with_a_charset_is_accepted(client: Client, channel_token: str) -> None:
    resp = send(client, channel_token, body={"text": "x"}, content_type="application/json; charset=utf-8")
    assert resp.status_code == 201


def test_the_schema_carries_the_real_limits(client: Client, settings) -> None:
    spec = client.get("/api/openapi.json").json()
    create = spec["paths"]["/api/v1/reports"]["post"]
    key = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert key["required"] is True
    props = create["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert props["text"]["minLength"] == 1 and props["text"]["maxLength"] == settings.CLUEDESK_MAX_TEXT_CHARS
    assert re.search(props["text"]["pattern"], "x") and not re.search(props["text"]["pattern"], " \t\n\x00\u202e")
    assert {name: props[name]["maxLength"] for name in services.LIMITS} == services.LIMITS
    assert set(props["category"]["enum"]) == {"", *services.CATEGORIES}
    assert props["attachments"]["maxItems"] == settings.CLUEDESK_MAX_FILES
    message = spec["paths"]["/api/v1/reports/messages"]["post"]
    body = message["requestBody"]["content"]["application/json"]["schema"]["properties"]["body"]
    assert body["minLength"] == 1 and body["maxLength"] == settings.CLUEDESK_MAX_TEXT_CHARS
    for path in ("/api/v1/reports", "/api/v1/reports/status", "/api/v1/reports/messages"):
        assert {"415", "429"} <= set(spec["paths"][path]["post"]["responses"])


@pytest.mark.parametrize("text", ["", " ", "\n\t", "\x00", "\u202e"])
def test_a_text_the_schema_refuses_is_refused_and_one_it_allows_is_kept(client: Client, channel_token: str,
                                                                         text: str) -> None:
    spec = client.get("/api/openapi.json").json()
    rule = spec["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    pattern = rule["properties"]["text"]["pattern"]
    assert not (len(text) >= 1 and re.search(pattern, text))  # the schema refuses it …
    assert send(client, channel_token, body={"text": text}).status_code == 422  # … and so does the server
    assert send(client, channel_token, body={"text": text + "有人放高利贷"}).status_code == 201
