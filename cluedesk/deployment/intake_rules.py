"""What the profile in force asks of intake. Called by ``cluedesk.intake.services.validate_fields``
(one line there), so the public form, the channel API and staff entry refuse the same way."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from . import profiles


def identity_errors(cleaned: dict[str, str]) -> dict[str, list[Any]]:
    """When the profile does not accept anonymous reports, a way to reach the reporter is required."""
    if profiles.current().anonymous_allowed or cleaned.get("contact"):
        return {}
    return {"contact": [_("This reporting line does not accept anonymous reports: give a phone number, "
                          "e-mail or address where the office can reach you. It is sealed at once and only "
                          "authorised staff can open it.")]}


# profile form field → the public form's field names
FORM_FIELD_NAMES = {"category": ("category",), "place": ("place_text",), "when": ("when_text",),
                    "who": ("who_text",), "name": ("name",), "contact": ("contact",), "attachments": ("files",)}


def asked_fields() -> set[str]:
    """The public form's optional fields the profile asks for (the description is always asked; a
    contact is always asked when anonymous reports are not accepted)."""
    profile = profiles.current()
    wanted = set(profile.form_fields) | (set() if profile.anonymous_allowed else {"contact"})
    return {name for key in wanted for name in FORM_FIELD_NAMES.get(key, ())}
