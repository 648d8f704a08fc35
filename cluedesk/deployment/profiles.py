"""Deployment profiles: the defaults a reporting line is held to (issue 11).

Every app above reads the profile in force through ``current()``: the clocks
(cluedesk.compliance), the retention periods (cluedesk.records), what the report form asks
(``intake_rules``). A profile is a frozen dataclass; ``current()`` returns the profile in force
with the admin's overrides applied. Retention periods are days after a clue is concluded, per
conclusion outcome (``cluedesk.clues.models.Conclusion.Outcome`` values) plus ``"default"`` for any
other closed clue; ``None`` means keep (no automatic deletion).

An app that owns part of the profile checks it through the registry's ``profile_validators``
(records: a retention period's legal minimum), so this module knows no app above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext_lazy as _

from cluedesk.platform.registry import registry

from .models import Deployment


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
    form_fields: tuple[str, ...] = ("category", "place", "when", "who", "name", "contact", "attachments")
    outcome_wording: str = "anti_gang"  # key of the public wording set for outcomes


PROFILES: dict[str, Profile] = {
    "national_anti_gang": Profile(
        key="national_anti_gang",
        name=_("National anti-gang reporting line"),
        description=_("Clues on organized crime and the officials who shield it; verification in a closed loop "
                      "with supervision by the level above. Say within 15 days whether the matter is taken up, "
                      "settle it within 60 days after that (30 more with a recorded reason)."),
        # 《信访工作条例》(2022) art. 24 and 32: say within 15 days of receipt whether the matter is
        # taken up, settle it within 60 days of that, 30 more with approval; measured from receipt.
        acknowledge_days=15, feedback_days=75, feedback_days_extended=105, remind_before_days=3,
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


def _in_force(row: Deployment | None) -> Profile:
    if row is None or row.profile_key not in PROFILES:
        return PROFILES[DEFAULT_PROFILE]
    return get(row.profile_key, decode_overrides(row.overrides))


def current() -> Profile:
    """The profile in force: the admin's stored choice and overrides (``services.set_profile``),
    the default profile until a choice is stored; read at most every PROFILE_TTL_SECONDS."""
    return Deployment.cached(_in_force)


def retention_days(outcome: str | None) -> int | None:
    """Days after conclusion before a closed clue's personal data goes, for this outcome."""
    table = current().retention_days
    return table.get(outcome or "default", table.get("default"))


# --- public wording of outcomes ---------------------------------------------------------------
# What the reporter is told when a clue is concluded, per outcome, in the register of the line:
# an anti-gang line speaks of verification and cases, a whistleblowing channel of follow-up.
WORDING_SETS: dict[str, dict[str, Any]] = {
    "anti_gang": {
        "name": _("Anti-gang line"),
        "criminal_case": _("Your report was verified and a criminal case has been opened."),
        "admin_penalty": _("Your report was verified and an administrative penalty was imposed."),
        "discipline": _("Your report was verified and the officials concerned were referred for discipline."),
        "transferred": _("Your report was handed to the authority responsible for the matter."),
        "no_action": _("Your report was verified; the facts found did not call for further action."),
    },
    "whistleblowing": {
        "name": _("Whistleblowing channel"),
        "criminal_case": _("Your report was followed up and referred to the prosecuting authorities."),
        "admin_penalty": _("Your report was followed up and measures were taken against the breach."),
        "discipline": _("Your report was followed up and internal measures were taken."),
        "transferred": _("Your report was referred to the competent authority, which will follow it up."),
        "no_action": _("Your report was assessed; it did not give grounds for further follow-up."),
    },
}
OUTCOMES = ("criminal_case", "admin_penalty", "discipline", "transferred", "no_action")


def outcome_wording(outcome: str, profile: Profile | None = None) -> str:
    """The suggested public wording for a conclusion with this outcome, in the profile's set."""
    chosen = WORDING_SETS.get((profile or current()).outcome_wording) or WORDING_SETS["anti_gang"]
    return str(chosen.get(outcome, ""))


# --- overrides --------------------------------------------------------------------------------
FORM_FIELDS = ("category", "place", "when", "who", "name", "contact", "attachments")
RETENTION_KEYS = (*OUTCOMES, "default")
CLOCK_FIELDS = ("acknowledge_days", "feedback_days", "feedback_days_extended", "remind_before_days")
OVERRIDABLE = (*CLOCK_FIELDS, "anonymous_allowed", "outcome_wording", "form_fields", "retention_days")
LIMITS = {"acknowledge_days": 60, "feedback_days": 365, "feedback_days_extended": 730, "remind_before_days": 30}
RETENTION_MAX_DAYS = 36500  # a hundred years: more is a typing mistake, use "keep"


class ProfileError(Exception):
    """What is wrong with a profile choice or override: {field: [message, ...]} in the user's language."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in errors.items()))
        self.errors = errors


def decode_overrides(stored: dict[str, Any] | None) -> dict[str, Any]:
    """Overrides as stored (JSON) → dataclass values (form_fields back to a tuple; unknown keys,
    which validation never lets in, are ignored rather than crash every request)."""
    out: dict[str, Any] = {}
    for key, value in (stored or {}).items():
        if key not in OVERRIDABLE:
            continue
        out[key] = tuple(value) if key == "form_fields" else value
    return out


def encode_overrides(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}


_NONE_WORDS = {"", "none", "off", "keep", "null", "-"}
_TRUE_WORDS = {"yes", "true", "1", "on"}
_FALSE_WORDS = {"no", "false", "0", "off"}


def _days(value: Any, field_name: str, errors: dict[str, list[Any]], *, allow_none: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _NONE_WORDS):
        if not allow_none:
            errors.setdefault(field_name, []).append(_("A number of days is required here."))
        return None
    if isinstance(value, bool):
        errors.setdefault(field_name, []).append(_("Give a whole number of days."))
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        errors.setdefault(field_name, []).append(_("Give a whole number of days, or leave it empty for none."))
        return None
    if days < 0:
        errors.setdefault(field_name, []).append(_("A number of days cannot be negative."))
        return None
    return days


def parse_overrides(raw: dict[str, Any]) -> dict[str, Any]:
    """Values typed by an admin (strings from a form or ``--set field=value``; or already typed)
    → typed override values. ``retention_days.<outcome>`` sets one retention period. Unknown
    fields and values that cannot be read raise ProfileError naming each."""
    errors: dict[str, list[Any]] = {}
    out: dict[str, Any] = {}
    retention: dict[str, int | None] = {}
    for key, value in raw.items():
        if key.startswith("retention_days."):
            outcome = key.split(".", 1)[1]
            if outcome not in RETENTION_KEYS:
                errors.setdefault(key, []).append(_("Unknown outcome “%(name)s”: use one of %(names)s.")
                                                  % {"name": outcome, "names": ", ".join(RETENTION_KEYS)})
                continue
            retention[outcome] = _days(value, key, errors)
        elif key == "retention_days":
            if not isinstance(value, dict):
                errors.setdefault(key, []).append(_("Give retention periods per outcome."))
                continue
            for outcome, days in value.items():
                if outcome not in RETENTION_KEYS:
                    errors.setdefault(key, []).append(_("Unknown outcome “%(name)s”: use one of %(names)s.")
                                                      % {"name": outcome, "names": ", ".join(RETENTION_KEYS)})
                    continue
                retention[outcome] = _days(days, f"retention_days.{outcome}", errors)
        elif key in CLOCK_FIELDS:
            out[key] = _days(value, key, errors, allow_none=key != "remind_before_days")
        elif key == "anonymous_allowed":
            if isinstance(value, bool):
                out[key] = value
            elif str(value).strip().lower() in _TRUE_WORDS:
                out[key] = True
            elif str(value).strip().lower() in _FALSE_WORDS:
                out[key] = False
            else:
                errors.setdefault(key, []).append(_("Answer yes or no."))
        elif key == "outcome_wording":
            if str(value) not in WORDING_SETS:
                errors.setdefault(key, []).append(_("Unknown wording set: use one of %(names)s.")
                                                  % {"names": ", ".join(WORDING_SETS)})
            else:
                out[key] = str(value)
        elif key == "form_fields":
            items = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v) for v in value]
            items = [v for v in items if v]
            unknown = [v for v in items if v not in FORM_FIELDS]
            if unknown:
                errors.setdefault(key, []).append(_("Unknown form fields %(names)s: use some of %(all)s.")
                                                  % {"names": ", ".join(unknown), "all": ", ".join(FORM_FIELDS)})
            else:
                out[key] = tuple(f for f in FORM_FIELDS if f in items)
        else:
            errors.setdefault(key, []).append(_("“%(name)s” is not a setting a profile has; settings are: %(names)s.")
                                              % {"name": key, "names": ", ".join(OVERRIDABLE)})
    if retention:
        for outcome, days in retention.items():
            for message in _refused_by_apps(replace(PROFILES["custom"], retention_days={outcome: days})):
                errors.setdefault(f"retention_days.{outcome}", []).append(message)
        out["retention_days"] = retention
    if errors:
        raise ProfileError(errors)
    return out


def _refused_by_apps(probe: Profile) -> list[str]:
    """What the apps that own part of the profile say against it (the registry's
    ``profile_validators``, e.g. records: the retention job's own rule, a legal minimum). Each
    override is checked on its own, in a profile holding just that value, so that every message
    lands on the field it is about."""
    messages = []
    for validate in registry["profile_validators"]:
        try:
            validate(probe)
        except ValueError as exc:
            messages.append(str(exc))
    return messages


def resolve(key: str, overrides: dict[str, Any]) -> tuple[Profile, dict[str, Any]]:
    """The profile ``key`` with typed ``overrides`` applied, checked as a whole; returns it and the
    overrides reduced to what differs from the profile's defaults. ProfileError when impossible."""
    if key not in PROFILES:
        raise ProfileError({"profile": [_("Unknown profile “%(key)s”: choose one of %(keys)s.")
                                        % {"key": key, "keys": ", ".join(PROFILES)}]})
    base = PROFILES[key]
    values = dict(overrides)
    if "retention_days" in values:  # per-outcome overrides on top of the profile's table
        values["retention_days"] = {**base.retention_days, **values["retention_days"]}
    profile = replace(base, **values)
    check(profile)
    differs = {k: v for k, v in values.items() if getattr(base, k) != v}
    return profile, differs


def check(p: Profile) -> None:
    """Refuse clock and retention settings that cannot work."""
    errors: dict[str, list[Any]] = {}
    for name, limit in LIMITS.items():
        value = getattr(p, name)
        if value is None:
            continue
        if value < 0:
            errors.setdefault(name, []).append(_("A number of days cannot be negative."))
        elif value > limit:
            errors.setdefault(name, []).append(_("At most %(limit)d days: a longer period is surely a typing "
                                                 "mistake.") % {"limit": limit})
        elif value == 0 and name != "remind_before_days":
            errors.setdefault(name, []).append(_("A deadline of 0 days cannot be met: give at least 1 day, "
                                                 "or leave it empty to switch the clock off."))
    if errors:
        raise ProfileError(errors)
    ack, fb, ext = p.acknowledge_days, p.feedback_days, p.feedback_days_extended
    if ack is not None and fb is not None and fb <= ack:
        errors["feedback_days"] = [_("Feedback cannot fall due before or on the day acknowledgment does: "
                                     "give more days for feedback (%(fb)d) than for acknowledgment (%(ack)d).")
                                   % {"fb": fb, "ack": ack}]
    if ext is not None and fb is None:
        errors["feedback_days_extended"] = [_("An extended feedback period needs a feedback period to extend.")]
    elif ext is not None and fb is not None and ext <= fb:
        errors["feedback_days_extended"] = [_("The extended feedback period (%(ext)d days) must be longer than "
                                              "the normal one (%(fb)d days).") % {"ext": ext, "fb": fb}]
    running = [d for d in (ack, fb) if d is not None]
    if running and p.remind_before_days >= min(running):
        errors["remind_before_days"] = [_("A reminder %(n)d days before would come before the clock starts: "
                                          "give fewer days than the shortest deadline (%(min)d).")
                                        % {"n": p.remind_before_days, "min": min(running)}]
    for outcome, days in p.retention_days.items():
        if days is not None and (days < 1 or days > RETENTION_MAX_DAYS):
            errors.setdefault(f"retention_days.{outcome}", []).append(
                _("Between 1 and %(max)d days, or empty to keep.") % {"max": RETENTION_MAX_DAYS})
    if "default" not in p.retention_days:
        errors["retention_days.default"] = [_("A default retention period (or “keep”) is required.")]
    if errors:
        raise ProfileError(errors)
