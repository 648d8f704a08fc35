"""The same form sent again with a different attachment, and the rate limit of the reporter's
message form (issue 22: each rate limit on each public form).

A channel that repeats an Idempotency-Key with the same text but another file must not get the
first report back as if the second file had been kept (its body hash covers the attachments).
The reporter's message form on the status page shares the submission limit with the report form.
"""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from cluedesk.intake import services
from cluedesk.intake.models import Attachment, IdempotencyRecord, Message, Report
from cluedesk.ledger.services import Actor

from .conftest import PDF, PNG
from .test_api import post

pytestmark = pytest.mark.django_db


def _with(name: str, content: bytes) -> dict:
    return {"text": "同一份举报", "attachments": [{"filename": name, "content_base64": base64.b64encode(content).decode()}]}


def test_the_same_key_with_another_attachment_is_a_conflict(client: Client, channel_token: str, census) -> None:
    first = post(client, channel_token, _with("p.png", PNG), key="resend-1")
    assert first.status_code == 201
    before = census()
    other = post(client, channel_token, _with("scan.pdf", PDF), key="resend-1")
    assert other.status_code == 409 and "different body" in other.json()["detail"]
    renamed = post(client, channel_token, _with("q.png", PNG), key="resend-1")
    assert renamed.status_code == 409
    assert census() == before
    assert Attachment.objects.get().mime == "image/png" and IdempotencyRecord.objects.count() == 1
    same = post(client, channel_token, _with("p.png", PNG), key="resend-1")
    assert same.status_code == 200 and same.json()["tracking_code"] == first.json()["tracking_code"]


def test_replay_refuses_a_claim_whose_body_differs() -> None:
    """The service itself, not only the API: a different body hash never gets the first code."""
    claim = services.IdempotencyClaim(channel="api", key="k-1", body_hash="a" * 64)
    report, code = services.submit_report(text="x", channel="api", actor=Actor.reporter(), idempotency=claim)
    assert services.replay(claim) == (report, code)
    with pytest.raises(services.IdempotencyConflict):
        services.replay(services.IdempotencyClaim(channel="api", key="k-1", body_hash="b" * 64))


def test_the_reporter_message_form_is_rate_limited(client: Client, settings) -> None:
    settings.CLUEDESK_RATE_SUBMIT = 3
    _report, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    assert client.post("/track/", {"code": code}).status_code == 303
    for i in range(3):
        assert client.post("/track/status/", {"body": f"补充 {i}"}).status_code == 303
    refused = client.post("/track/status/", {"body": "第四条"})
    assert refused.status_code == 429 and refused["Retry-After"]
    assert sorted(m.body for m in Message.objects.all()) == ["补充 0", "补充 1", "补充 2"]
    assert Report.objects.count() == 1
