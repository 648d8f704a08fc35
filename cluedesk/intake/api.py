"""Channel API: messaging accounts and phone desks send reports here.

Authenticated by a per-channel bearer token (``cluedesk channel-token create NAME``). The body
is parsed here rather than by django-ninja so that every error — not JSON, nested too deeply, a
lone surrogate, wrong field types, a rule broken — answers in the caller's language with a
message per field, never a 500.

A channel sees only the reports filed through it: the status and message look-ups answer any
other code exactly as an unknown one. Look-ups are counted per token; once too many codes were
unknown, every look-up answers 429 for the rest of the window (so a right guess is not told
apart from a wrong one by the limiter either).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from io import BytesIO
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from cluedesk.ledger.services import Actor

from . import services, throttle, tracking
from .models import ChannelToken, PublicStep

router = Router(tags=["intake"])
IDEMPOTENCY_MAX = 255
MAX_DEPTH = 20  # nesting levels of a JSON body; ours have three
JSON = "application/json"
# every look-up per token and window (a channel relays many reporters' look-ups) …
LOOKUPS_PER_MISS_LIMIT = 50
# … and the unknown codes per token and window: CLUEDESK_RATE_LOOKUP, as for one public client


class RateLimited(HttpError):
    """429 with ``Retry-After`` (the handler in cluedesk/api.py adds the header)."""

    def __init__(self, message: str) -> None:
        super().__init__(429, message)
        self.retry_after = throttle.WINDOW_SECONDS


class ChannelBearer(HttpBearer):
    """``Authorization: Bearer <token>``; answers 401 (or 429 after many failures) in the caller's language."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, _("Send the channel's token as “Authorization: Bearer <token>”."))
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ChannelToken:
        digest = hashlib.sha256(token.encode()).hexdigest()
        channel = ChannelToken.objects.filter(token_hash=digest, active=True).first()
        if channel is None:
            if not throttle.allow(request, "api-auth", settings.CLUEDESK_RATE_LOOKUP):
                raise RateLimited(_("Too many failed sign-ins from this address. Wait ten minutes."))
            raise HttpError(401, _("This channel token is not valid or was revoked."))
        return channel


channel_auth = ChannelBearer()


class AttachmentIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    filename: str = pydantic.Field(max_length=255)
    content_base64: str


# At least one character that cleaning (services.clean_text: control characters removed, white
# space stripped) keeps: a text the schema allows is never refused as empty.
SOMETHING_WRITTEN = "[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]"


def _text_limits(prop: dict[str, Any], *, required: bool) -> None:
    prop["maxLength"] = settings.CLUEDESK_MAX_TEXT_CHARS
    if required:
        prop.update(minLength=1, pattern=SOMETHING_WRITTEN)


def _report_limits(schema: dict[str, Any]) -> None:
    """The server's own limits, read when the schema is generated (they are settings)."""
    props = schema["properties"]
    _text_limits(props["text"], required=True)
    for name, limit in services.LIMITS.items():
        props[name]["maxLength"] = limit
    props["category"]["enum"] = ["", *sorted(services.CATEGORIES)]
    props["attachments"]["maxItems"] = settings.CLUEDESK_MAX_FILES


def _message_limits(schema: dict[str, Any]) -> None:
    _text_limits(schema["properties"]["body"], required=True)


class ReportIn(pydantic.BaseModel):
    """A report as a channel sends it. Only ``text`` is required."""

    model_config = pydantic.ConfigDict(extra="forbid", json_schema_extra=_report_limits)
    text: str
    # the form's names; the shorter "place", "when", "who" are accepted too
    place_text: str = pydantic.Field(default="", validation_alias=pydantic.AliasChoices("place_text", "place"))
    when_text: str = pydantic.Field(default="", validation_alias=pydantic.AliasChoices("when_text", "when"))
    who_text: str = pydantic.Field(default="", validation_alias=pydantic.AliasChoices("who_text", "who"))
    category: str = ""
    name: str = ""
    contact: str = ""
    channel_ref: str = pydantic.Field(default="", max_length=48)
    attachments: list[AttachmentIn] = pydantic.Field(default_factory=list)


class CodeIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    tracking_code: str = pydantic.Field(max_length=64)


class MessageIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", json_schema_extra=_message_limits)
    tracking_code: str = pydantic.Field(max_length=64)
    body: str


class ReportOut(Schema):
    tracking_code: str
    received_at: datetime
    replayed: bool = False


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class StepOut(Schema):
    kind: str
    label: str
    outcome: str
    at: datetime


class MessageOut(Schema):
    direction: str
    body: str
    files: int
    at: datetime


class StatusOut(Schema):
    received_at: datetime
    steps: list[StepOut]
    messages: list[MessageOut]


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON schema with its $defs inlined (OpenAPI readers differ on $defs)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.split("/")[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


def _body(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": _inline(model.model_json_schema())}}}}


_MESSAGES = {
    "missing": lambda e: _("This field is required."),
    "string_type": lambda e: _("Must be a string."),
    "list_type": lambda e: _("Must be a list."),
    "model_type": lambda e: _("Must be an object."),
    "dict_type": lambda e: _("Must be an object."),
    "extra_forbidden": lambda e: _("Unknown field."),
    "string_too_long": lambda e: _("Too long: at most %(limit)d characters.") % {"limit": e["ctx"]["max_length"]},
}


def _field_errors(exc: pydantic.ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "body"
        message = _MESSAGES.get(error["type"], lambda e: _("Not a valid value."))(error)
        errors.setdefault(where, []).append(str(message))
    return errors


def _require_json(request: HttpRequest) -> None:
    """415 unless the body is declared as JSON (``application/json``, parameters allowed)."""
    if request.content_type != JSON:
        raise HttpError(415, _("Send the body as JSON, with the header “Content-Type: application/json”."))


def _too_deep() -> HttpError:
    return HttpError(400, _("The JSON is nested too deeply: at most %(limit)d levels.") % {"limit": MAX_DEPTH})


def _check_structure(data: Any) -> dict[str, list[str]]:
    """Refuse nesting past MAX_DEPTH (400); name every string holding a lone surrogate (a
    ``\\ud800`` escape that pairs with nothing: not a character, and no database can store it)."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, (dict, list)) and len(where) >= MAX_DEPTH:  # this container is level len+1
            raise _too_deep()
        if isinstance(node, dict):
            for key, value in node.items():
                if not key.isascii() and any("\ud800" <= c <= "\udfff" for c in key):
                    errors.setdefault(".".join(where) or "body", []).append(
                        str(_("A field name holds an invalid character (an unpaired surrogate).")))
                    continue
                stack.append((value, (*where, key)))
        elif isinstance(node, list):
            stack.extend((value, (*where, str(i))) for i, value in enumerate(node))
        elif isinstance(node, str) and not node.isascii() and any("\ud800" <= c <= "\udfff" for c in node):
            errors.setdefault(".".join(where) or "body", []).append(
                str(_("Holds an invalid character (an unpaired surrogate, such as U+D800): send valid Unicode "
                      "text.")))
    return errors


def _parse(request: HttpRequest, model: type[pydantic.BaseModel]) -> tuple[Any, dict[str, Any]]:
    _require_json(request)
    try:
        raw = request.body
    except RequestDataTooBig:
        raise HttpError(413, _("The request is too large: at most %(limit)d KB of JSON.")
                        % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024}) from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HttpError(400, _("The request body is not JSON. Send a JSON object with "
                               "“Content-Type: application/json”.")) from None
    except RecursionError:  # the decoder's own guard, far past MAX_DEPTH
        raise _too_deep() from None
    bad = _check_structure(data)
    if not isinstance(data, dict):
        raise HttpError(400, _("The request body must be a JSON object."))
    if bad:
        return None, {"__errors__": bad}
    try:
        return model.model_validate(data), data
    except pydantic.ValidationError as exc:
        return None, {"__errors__": _field_errors(exc)}


def _invalid(errors: dict[str, list[Any]]) -> Status[dict[str, Any]]:
    return Status(422, {"detail": _("Some fields need fixing."),
                        "errors": {k: [str(m) for m in v] for k, v in errors.items()}})


def _decode_attachments(items: list[AttachmentIn]) -> list[InMemoryUploadedFile]:
    files, errors = [], []
    for i, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append((i, _("“%(name)s”: content_base64 is not valid base64.") % {"name": item.filename}))
            continue
        files.append(InMemoryUploadedFile(BytesIO(content), "attachments", item.filename, None, len(content), None))
    if errors:
        raise services.InvalidReport({f"attachments.{i}": [m] for i, m in errors}, "bad_base64")
    return files


def _idempotency_key(request: HttpRequest) -> str:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        # without one, a retry after a time-out would file the report twice
        raise HttpError(400, _("Send an Idempotency-Key header: one unique value per report (a UUID, say), "
                               "the same on every retry of that report."))
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_MAX or not key.isascii() or not key.isprintable():
        raise HttpError(400, _("The Idempotency-Key header must be 1 to 255 printable ASCII characters."))
    return key


def _channel(channel: ChannelToken) -> str:
    """The ``Report.channel`` of the reports filed through this token."""
    return f"api:{channel.name}"


@router.post(
    "/reports", auth=channel_auth, url_name="api_report_create",
    response={200: ReportOut, 201: ReportOut, 400: Error, 401: Error, 409: Error, 413: Error, 415: Error,
              422: Error, 429: Error},
    openapi_extra={**_body(ReportIn), "parameters": [{
        "in": "header", "name": "Idempotency-Key", "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_MAX, "pattern": "^[ -~]*[!-~][ -~]*$"},
        "description": "One unique value per report, the same on every retry of it. Same key and same "
                       "body return the first result; same key, other body: 409."}]},
    summary="Submit a report from a channel",
)
def create_report(request: HttpRequest) -> Any:
    """Keep a report. 201 with its tracking code; 200 with the same code when the
    Idempotency-Key was seen with the same body; 409 when it was seen with another body."""
    channel: ChannelToken = request.auth  # type: ignore[attr-defined]
    payload, data = _parse(request, ReportIn)
    if payload is None:
        return _invalid(data["__errors__"])
    key = _idempotency_key(request)
    # No look-up first: the key's row is inserted in the submission's transaction, and a
    # key seen before makes that insert fail (IdempotencyRace) before any triage work.
    claim = services.IdempotencyClaim(channel=_channel(channel), key=key, body_hash=services.body_hash(data))
    try:
        files = _decode_attachments(payload.attachments)
        report, code = services.submit_report(
            text=payload.text, place_text=payload.place_text, when_text=payload.when_text,
            who_text=payload.who_text, category=payload.category, name=payload.name, contact=payload.contact,
            files=files, channel=_channel(channel), channel_ref=payload.channel_ref,
            actor=Actor.channel(channel.name), idempotency=claim)
    except services.InvalidReport as exc:
        errors = {("attachments" if k == "files" else k): v for k, v in exc.errors.items()}
        if exc.code in {"file_too_large", "too_large"}:
            return Status(413, {"detail": _("Too large."), "errors": {k: [str(m) for m in v] for k, v in errors.items()}})
        return _invalid(errors)
    except services.IdempotencyRace:
        try:
            found = services.replay(claim)
        except services.IdempotencyConflict:
            return Status(409, {"detail": _("This Idempotency-Key was already used with a different body.")})
        assert found is not None
        return Status(200, {"tracking_code": tracking.display(found[1]), "received_at": found[0].created_at,
                     "replayed": True})
    return Status(201, {"tracking_code": tracking.display(code), "received_at": report.created_at, "replayed": False})


def _lookup(channel: ChannelToken, raw: str) -> Any:
    """The report for a code, if it was filed through this channel; 404 for any other, the same
    way as for an unknown code; 429 once this token has looked up too much in this window."""
    misses = throttle.window_key("api-miss", f"channel:{channel.pk}")
    if (throttle.count(misses) >= settings.CLUEDESK_RATE_LOOKUP
            or not throttle.hit(throttle.window_key("api-lookup", f"channel:{channel.pk}"),
                                settings.CLUEDESK_RATE_LOOKUP * LOOKUPS_PER_MISS_LIMIT)):
        raise RateLimited(_("Too many look-ups from this channel, or too many unknown codes. Wait ten minutes."))
    try:
        report = services.find_report(raw)
        if report.channel != _channel(channel):
            raise services.UnknownCode
        return report
    except services.UnknownCode:
        throttle.hit(misses, settings.CLUEDESK_RATE_LOOKUP)
        raise HttpError(404, _("No report matches this code.")) from None


LOOKUP_RESPONSES: dict[int, Any] = {400: Error, 401: Error, 404: Error, 413: Error, 415: Error, 422: Error, 429: Error}


@router.post(
    "/reports/status", auth=channel_auth, url_name="api_report_status",
    response={200: StatusOut, **LOOKUP_RESPONSES},
    openapi_extra=_body(CodeIn), summary="A report's public timeline and messages, by tracking code",
)
def report_status(request: HttpRequest) -> Any:
    """The same public view the reporter's status page shows. The code travels in the body,
    never in a URL, so it does not end up in access logs."""
    payload, data = _parse(request, CodeIn)
    if payload is None:
        return _invalid(data["__errors__"])
    report = _lookup(request.auth, payload.tracking_code)  # type: ignore[attr-defined]
    status = services.status_of(report)
    labels = dict(PublicStep.Kind.choices)
    return Status(200, {
        "received_at": report.created_at,
        "steps": [{"kind": s.kind, "label": str(labels.get(s.kind, s.kind)), "outcome": s.outcome, "at": s.created_at}
                  for s in status.steps],
        "messages": [{"direction": m.direction, "body": m.body, "files": len(m.attachments.all()), "at": m.created_at}
                     for m in status.messages],
    })


@router.post(
    "/reports/messages", auth=channel_auth, url_name="api_report_message",
    response={201: MessageOut, **LOOKUP_RESPONSES},
    openapi_extra=_body(MessageIn), summary="Add the reporter's further information to a report",
)
def report_message(request: HttpRequest) -> Any:
    payload, data = _parse(request, MessageIn)
    if payload is None:
        return _invalid(data["__errors__"])
    channel: ChannelToken = request.auth  # type: ignore[attr-defined]
    report = _lookup(channel, payload.tracking_code)
    try:
        message = services.add_reporter_message(report, payload.body, actor=Actor.channel(channel.name))
    except services.InvalidReport as exc:
        return _invalid(exc.errors)
    return Status(201, {"direction": message.direction, "body": message.body, "files": 0, "at": message.created_at})
