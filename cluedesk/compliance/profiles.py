"""Deployment profiles: the defaults a reporting line is held to (issue 11).

This module is the contract between cluedesk.compliance (which owns the stored choice, the
admin page and the clocks) and cluedesk.records (which reads the retention periods). A profile is
a frozen dataclass; ``current()`` returns the profile in force with the admin's overrides
applied. Retention periods are days after a clue is concluded, per conclusion outcome
(``cluedesk.clues.models.Conclusion.Outcome`` values) plus ``"default"`` for any other closed
clue; ``None`` means keep (no automatic deletion).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Profile:
    key: str
    name: Any  # lazy translation
    description: Any
    # clocks, in days from receipt; None: that clock does not run
    acknowledge_days: int | None
    feedback_days: int | None
    feedback_days_extended: int | None  # the longer limit a justified external case may take
    remind_before_days: int = 2
    # retention, in days after conclusion, per outcome; None keeps
    retention_days: dict[str, int | None] = field(default_factory=dict)
    anonymous_allowed: bool = True
    # which optional fields the public form asks for
    form_fields: tuple[str, ...] = ("category", "place", "name", "contact", "attachments")
    outcome_wording: str = "anti_gang"  # key of the public wording set for outcomes


PROFILES: dict[str, Profile] = {
    "national_anti_gang": Profile(
        key="national_anti_gang",
        name=_("National anti-gang reporting line"),
        description=_("Clues on organized crime and the officials who shield it; verification in a closed loop "
                      "with supervision by the level above."),
        acknowledge_days=None, feedback_days=None, feedback_days_extended=None,
        retention_days={"criminal_case": None, "discipline": None, "admin_penalty": 3650,
                        "transferred": 3650, "no_action": 1825, "default": 1825},
        anonymous_allowed=True, outcome_wording="anti_gang",
    ),
    "eu_internal": Profile(
        key="eu_internal",
        name=_("EU directive: internal reporting channel"),
        description=_("Directive 2019/1937 art. 9: acknowledge within 7 days, feedback within 3 months."),
        acknowledge_days=7, feedback_days=91, feedback_days_extended=None,
        retention_days={"criminal_case": 1825, "discipline": 1095, "admin_penalty": 1095,
                        "transferred": 1095, "no_action": 365, "default": 365},
        anonymous_allowed=True, outcome_wording="whistleblowing",
    ),
    "eu_external": Profile(
        key="eu_external",
        name=_("EU directive: external reporting authority"),
        description=_("Directive 2019/1937 art. 11: acknowledge within 7 days, feedback within 3 months, "
                      "6 months in duly justified cases."),
        acknowledge_days=7, feedback_days=91, feedback_days_extended=183,
        retention_days={"criminal_case": 3650, "discipline": 1825, "admin_penalty": 1825,
                        "transferred": 1825, "no_action": 730, "default": 730},
        anonymous_allowed=True, outcome_wording="whistleblowing",
    ),
    "custom": Profile(
        key="custom",
        name=_("Custom"),
        description=_("Start from the national defaults and set every value yourself."),
        acknowledge_days=7, feedback_days=91, feedback_days_extended=183,
        retention_days={"default": 1825},
    ),
}
DEFAULT_PROFILE = "national_anti_gang"


def get(key: str, overrides: dict[str, Any] | None = None) -> Profile:
    """A profile by key with overrides (field name → value) applied."""
    base = PROFILES[key]
    return replace(base, **(overrides or {})) if overrides else base


def current() -> Profile:
    """The profile in force. cluedesk.compliance stores the admin's choice and overrides; until a
    choice is stored the default profile applies."""
    try:
        from .models import Deployment  # type: ignore[attr-defined]
    except ImportError:
        return PROFILES[DEFAULT_PROFILE]
    return Deployment.current_profile()


def retention_days(outcome: str | None) -> int | None:
    """Days after conclusion before a closed clue's personal data goes, for this outcome."""
    table = current().retention_days
    return table.get(outcome or "default", table.get("default"))
