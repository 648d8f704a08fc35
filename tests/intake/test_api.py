"""POST /api/v1/reports and friends: tokens, idempotency, errors in the caller's language."""

from __future__ import annotations

import base64
import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cluedesk.intake import services
from cluedesk.intake.models import ChannelToken, IdempotencyRecord, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor

from .conftest import ELF, PNG

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


def post(client: Client, token: str | None, body: object, *, key: str | None = None, raw: bytes | None = None,
         **extra: str):
    """A submission; with a fresh Idempotency-Key unless ``key`` names one (the API requires it)."""
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()) if key is None else key}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data, content_type="application/json", **headers, **extra)


def test_a_channel_submits_a_report(client: Client, channel_token: str) -> None:
    resp = post(client, channel_token, {"text": "微信举报：有人放高利贷", "place_text": "长沙", "channel_ref": "gzh"})
    assert resp.status_code == 201, resp.content
    code = resp.json()["tracking_code"]
    report = services.find_report(code)
    assert report.channel == "api:wechat" and report.channel_ref == "gzh"
    event = Event.objects.get(verb="report.submitted")
    assert (event.actor_kind, event.actor_id) == ("channel", "wechat")


def test_a_channel_can_send_a_small_attachment(client: Client, channel_token: str) -> None:
    body = {"text": "x", "attachments": [{"filename": "p.png", "content_base64": base64.b64encode(PNG).decode()}]}
    resp = post(client, channel_token, body)
    assert resp.status_code == 201 and Report.objects.get().attachments.count() == 1


def test_a_disguised_attachment_is_refused_with_a_field_message(client: Client, channel_token: str, census) -> None:
    before = census()
    body = {"text": "x", "attachments": [{"filename": "p.jpg", "content_base64": base64.b64encode(ELF).decode()}]}
    resp = post(client, channel_token, body)
    assert resp.status_code == 422 and "p.jpg" in resp.json()["errors"]["attachments"][0]
    assert census() == before


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer wrong", "Basic abc", "Token xyz"])
def test_requests_without_a_valid_token_get_401(client: Client, channel_token: str, header: str | None) -> None:
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    resp = client.post(URL, json.dumps({"text": "x"}), content_type="application/json", **extra)
    assert resp.status_code == 401 and resp.json()["detail"] and Report.objects.count() == 0


def test_a_revoked_token_is_refused(client: Client, channel_token: str) -> None:
    services.revoke_channel_token("wechat", actor=Actor.system("test"))
    assert post(client, channel_token, {"text": "x"}).status_code == 401


def test_guessing_tokens_is_rate_limited(client: Client, channel_token: str, settings) -> None:
    settings.CLUEDESK_RATE_LOOKUP = 3
    codes = [post(client, "wrong", {"text": "x"}).status_code for _ in range(5)]
    assert codes[:3] == [401] * 3 and codes[3:] == [429, 429]


def test_same_key_same_body_returns_the_first_result(client: Client, channel_token: str) -> None:
    body = {"text": "重复发送的举报", "category": "violence"}
    first = post(client, channel_token, body, key="msg-1")
    again = post(client, channel_token, dict(reversed(list(body.items()))), key="msg-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["tracking_code"] == first.json()["tracking_code"] and again.json()["replayed"] is True
    assert Report.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert Event.objects.filter(verb="report.submitted").count() == 1


def test_same_key_different_body_is_a_conflict(client: Client, channel_token: str, census) -> None:
    post(client, channel_token, {"text": "第一次"}, key="msg-2")
    before = census()
    resp = post(client, channel_token, {"text": "第二次"}, key="msg-2")
    assert resp.status_code == 409 and "different body" in resp.json()["detail"]
    zh = post(client, channel_token, {"text": "第二次"}, key="msg-2", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert zh.status_code == 409 and "不同" in zh.json()["detail"]
    assert census() == before


def test_keys_are_separate_per_channel(client: Client, channel_token: str) -> None:
    other = services.create_channel_token("weibo", actor=Actor.system("test"))
    a = post(client, channel_token, {"text": "x"}, key="k")
    b = post(client, other, {"text": "y"}, key="k")
    assert a.status_code == b.status_code == 201 and Report.objects.count() == 2


def test_the_stored_response_does_not_hold_the_code_in_clear(client: Client, channel_token: str) -> None:
    code = post(client, channel_token, {"text": "x"}, key="k").json()["tracking_code"]
    blob = bytes(IdempotencyRecord.objects.get().response)
    assert code.encode() not in blob and code.replace("-", "").encode() not in blob


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "ключ"])
def test_a_malformed_idempotency_key_is_400(client: Client, channel_token: str, key: str) -> None:
    assert post(client, channel_token, {"text": "x"}, key=key).status_code == 400


@pytest.mark.parametrize("raw", [b"text=hello", b"{not json", b"\xff\xfe", b" "])
def test_a_body_that_is_not_json_is_400(client: Client, channel_token: str, raw: bytes, census) -> None:
    before = census()
    resp = post(client, channel_token, None, raw=raw)
    assert resp.status_code == 400 and "not JSON" in resp.json()["detail"]
    assert census() == before


def test_a_json_array_is_400(client: Client, channel_token: str) -> None:
    assert post(client, channel_token, ["text"]).status_code == 400


def test_schema_errors_are_422_with_field_messages(client: Client, channel_token: str, census) -> None:
    before = census()
    resp = post(client, channel_token, {"place_text": 5, "colour": "red"})
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert errors["text"] == ["This field is required."]
    assert errors["place_text"] == ["Must be a string."] and errors["colour"] == ["Unknown field."]
    zh = post(client, channel_token, {"place_text": 5}, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert zh.json()["errors"]["text"] == ["此项为必填。"]
    assert census() == before


@pytest.mark.parametrize("body", [{"text": "   "}, {"text": "x", "category": "nope"}])
def test_rule_errors_are_422(client: Client, channel_token: str, body: dict) -> None:
    resp = post(client, channel_token, body)
    assert resp.status_code == 422 and resp.json()["errors"]


def test_an_oversize_body_is_413(client: Client, channel_token: str, settings, census) -> None:
    before = census()
    resp = post(client, channel_token, {"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    assert resp.status_code == 413 and census() == before


def test_status_and_messages_by_code(client: Client, channel_token: str, alice) -> None:
    code = post(client, channel_token, {"text": "x"}).json()["tracking_code"]
    services.post_staff_message(services.find_report(code), "请补充时间", acting_user=alice)
    resp = client.post(URL + "/status", json.dumps({"tracking_code": code.lower()}), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {channel_token}")
    assert resp.status_code == 200
    data = resp.json()
    assert [s["kind"] for s in data["steps"]] == ["received"] and data["messages"][0]["body"] == "请补充时间"
    resp = client.post(URL + "/messages", json.dumps({"tracking_code": code, "body": "上周三晚上"}),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {channel_token}")
    assert resp.status_code == 201
    missing = client.post(URL + "/status", json.dumps({"tracking_code": "0000-0000-0000-0000"}),
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {channel_token}")
    assert missing.status_code == 404


def test_openapi_declares_the_error_responses(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    op = spec["paths"]["/api/v1/reports"]["post"]
    assert {"200", "201", "400", "401", "409", "413", "422", "429"} <= set(op["responses"])
    assert op["requestBody"]["content"]["application/json"]["schema"]["required"] == ["text"]
    assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])


def test_the_command_prints_a_token_once_and_keeps_only_its_hash() -> None:
    out = StringIO()
    call_command("channel-token", "create", "phone-desk", stdout=out, stderr=StringIO())
    token = out.getvalue().strip()
    assert token.startswith("cdt_")
    row = ChannelToken.objects.get(name="phone-desk")
    assert token not in row.token_hash and len(row.token_hash) == 64
    with pytest.raises(CommandError):
        call_command("channel-token", "create", "phone-desk", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("channel-token", "create", "Bad Name!", stdout=StringIO(), stderr=StringIO())
    call_command("channel-token", "revoke", "phone-desk", stdout=StringIO())
    assert not ChannelToken.objects.get(name="phone-desk").active
    assert Event.objects.filter(verb__startswith="channel_token.").count() == 2


def test_a_channel_guessing_codes_is_stopped(client: Client, channel_token: str, settings) -> None:
    settings.CLUEDESK_RATE_LOOKUP = 2  # a channel may miss as often as one public client
    statuses = [client.post(URL + "/status", json.dumps({"tracking_code": "0000-0000-0000-0000"}),
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {channel_token}").status_code
                for _ in range(4)]
    assert statuses == [404, 404, 429, 429]


def test_short_field_names_are_accepted(client: Client, channel_token: str) -> None:
    resp = post(client, channel_token, {"text": "x", "place": "湖南省长沙市", "when": "去年", "who": "张某"})
    assert resp.status_code == 201, resp.content
    report = Report.objects.get()
    assert (report.place_text, report.when_text, report.who_text) == ("湖南省长沙市", "去年", "张某")
