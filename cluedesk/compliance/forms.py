"""Forms parse what the browser sent; the rules live in profiles.check and services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cluedesk.deployment import profiles

from .models import OralRecord

DAY_FIELDS = {
    "acknowledge_days": _("Acknowledge within (days from receipt)"),
    "feedback_days": _("Feedback within (days from receipt)"),
    "feedback_days_extended": _("Feedback within, when justified (days from receipt)"),
    "remind_before_days": _("Remind this many days before a deadline"),
}
FORM_FIELD_LABELS = {
    "category": _("category"), "place": _("place"), "when": _("when"), "who": _("who is involved"),
    "name": pgettext_lazy("compliance", "name"), "contact": _("contact"), "attachments": _("files"),
}
OUTCOME_LABELS = {
    "criminal_case": _("criminal case opened"), "admin_penalty": _("administrative penalty"),
    "discipline": _("discipline referral"), "transferred": _("transferred"), "no_action": _("no action"),
    "default": _("any other closed clue"),
}


class ProfileForm(forms.Form):
    """Every setting of a profile as text, so the service reads and checks each one the same way as
    ``cluedesk profile set --set field=value``: empty means "none" (clock off, keep for ever)."""

    profile = forms.ChoiceField(label=_("Profile"), choices=[(k, p.name) for k, p in profiles.PROFILES.items()])
    anonymous_allowed = forms.ChoiceField(label=_("Anonymous reports"),
                                          choices=[("yes", _("accepted")), ("no", _("not accepted: contact required"))])
    outcome_wording = forms.ChoiceField(label=_("Public wording of outcomes"),
                                        choices=[(k, v["name"]) for k, v in profiles.WORDING_SETS.items()])
    form_fields = forms.MultipleChoiceField(label=_("Optional fields the report form asks"), required=False,
                                            choices=[(f, FORM_FIELD_LABELS[f]) for f in profiles.FORM_FIELDS],
                                            widget=forms.CheckboxSelectMultiple)
    back = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in DAY_FIELDS.items():
            self.fields[name] = forms.CharField(label=label, required=False, max_length=12,
                                                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5}))
        for outcome in profiles.RETENTION_KEYS:
            self.fields[f"retention_days.{outcome}"] = forms.CharField(
                label=OUTCOME_LABELS[outcome], required=False, max_length=12,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}))

    @staticmethod
    def initial_for(profile: profiles.Profile) -> dict[str, Any]:
        data: dict[str, Any] = {"profile": profile.key, "anonymous_allowed": "yes" if profile.anonymous_allowed else "no",
                                "outcome_wording": profile.outcome_wording, "form_fields": list(profile.form_fields)}
        for name in DAY_FIELDS:
            value = getattr(profile, name)
            data[name] = "" if value is None else str(value)
        for outcome in profiles.RETENTION_KEYS:
            value = profile.retention_days.get(outcome)
            data[f"retention_days.{outcome}"] = "" if value is None else str(value)
        return data

    def day_fields(self) -> list[Any]:
        return [self[name] for name in DAY_FIELDS]

    def retention_fields(self) -> list[Any]:
        return [self[f"retention_days.{o}"] for o in profiles.RETENTION_KEYS]

    def raw_overrides(self) -> dict[str, Any]:
        """What was typed, as field → text, for ``services.set_profile``."""
        d = self.cleaned_data
        raw: dict[str, Any] = {name: d.get(name, "") for name in DAY_FIELDS}
        raw["anonymous_allowed"] = d["anonymous_allowed"]
        raw["outcome_wording"] = d["outcome_wording"]
        raw["form_fields"] = list(d.get("form_fields") or [])
        for outcome in profiles.RETENTION_KEYS:
            raw[f"retention_days.{outcome}"] = d.get(f"retention_days.{outcome}", "")
        return raw


class ExtendForm(forms.Form):
    reason = forms.CharField(label=_("Why this case needs more time"), widget=forms.Textarea(attrs={"rows": 3}),
                             required=False, max_length=4000)


class OralForm(forms.Form):
    """The oral part of the staff entry form (prefix ``oral``): only for a phone call or meeting."""

    kind = forms.ChoiceField(label=_("How the call or meeting is kept"), required=False, widget=forms.RadioSelect, initial="",
                             choices=[("", _("nothing kept besides the report text")), *OralRecord.Kind.choices])
    consent = forms.BooleanField(label=_("The reporter consented to the recording"), required=False)
    minutes = forms.CharField(label=_("Minutes"), required=False, strip=False,
                              help_text=_("What the reporter said, in their words as far as possible. The reporter "
                                          "will check them with the tracking code and may correct them."),
                              widget=forms.Textarea(attrs={"rows": 6}))


class MinutesCheckForm(forms.Form):
    code = forms.CharField(label=_("Your tracking code, to confirm it is you"), required=False, max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false", "class": "codeinput",
                                                         "placeholder": "XXXX-XXXX-XXXX-XXXX"}))
    text = forms.CharField(label=_("Corrected minutes"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 8}))
