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
