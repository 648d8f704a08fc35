"""Where sealed values live, so a key rotation can find and re-seal every one of them.

An app that stores a value sealed with ``sealing.seal`` adds ``(app_label.Model, field)`` here
(or calls ``register_sealed_field`` at import time). Missing models are skipped, so the list can
name apps that are not installed.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import models

SEALED_FIELDS: list[tuple[str, str]] = [
    ("intake.Report", "sealed_identity"),
    ("intake.Attachment", "sealed_name"),
]

# The one place identities come from: the report model, its sealed field and its clue link.
IDENTITY_SOURCE = ("intake.Report", "sealed_identity", "clue")


def register_sealed_field(model_label: str, field: str) -> None:
    if (model_label, field) not in SEALED_FIELDS:
        SEALED_FIELDS.append((model_label, field))


def sealed_fields() -> Iterator[tuple[type[models.Model], str]]:
    for label, field in SEALED_FIELDS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if any(f.name == field for f in model._meta.get_fields()):
            yield model, field


def identity_model() -> type[models.Model] | None:
    try:
        return apps.get_model(IDENTITY_SOURCE[0])
    except LookupError:
        return None
