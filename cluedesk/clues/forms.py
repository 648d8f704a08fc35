"""One small form per verb. Each carries the clue's version (a stale form is refused by the
service) and, where a resend must not duplicate, a one-time token."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cluedesk.org.models import Unit

from . import taxonomy
from .models import Clue, Conclusion, Note
from .services import assignment_options


def _text(label: Any, *, required: bool = True, max_length: int = 5000, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


class VerbForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    multipart = False
    uses_version = True

    def __init__(self, *args: Any, clue: Clue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clue = clue
        if not self.is_bound:
            self.initial.setdefault("version", clue.version)
            self.initial.setdefault("token", secrets.token_urlsafe(16))


def unit_mode_choices(clue: Clue) -> list[tuple[str, list[tuple[str, str]]]]:
    labels = {"local": _("Local"), "offsite": _("Off-site"), "upgraded": _("Upgraded")}
    groups = []
    for mode, units in assignment_options(clue).items():
        groups.append((str(labels[mode]), [(f"{mode}:{u.pk}", f"{u.name} · {u.division.name}") for u in units]))
    return groups


class AssignForm(VerbForm):
    unit_mode = forms.ChoiceField(label=_("Verifying unit"),
                                  help_text=_("Units implicated by this clue, and units below them, are not offered."))
    reason = _text(_("Reason (needed when reassigning)"), required=False, rows=2)

    def __init__(self, *args: Any, clue: Clue, **kwargs: Any) -> None:
        super().__init__(*args, clue=clue, **kwargs)
        field = self.fields["unit_mode"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *unit_mode_choices(clue)]

    def clean_unit_mode(self) -> tuple[str, str]:
        mode, _sep, unit = self.cleaned_data["unit_mode"].partition(":")
        return mode, unit


class ScreenValidForm(VerbForm):
    title = forms.CharField(label=_("Short title (staff only)"), required=False, max_length=200)
    priority = forms.ChoiceField(label=_("Priority"), choices=Clue.Priority.choices)
    category = forms.ChoiceField(label=_("Category"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    division = forms.CharField(label=_("Division code"), required=False, max_length=12,
                               help_text=_("Leave empty to keep the division triage suggested."))

    def __init__(self, *args: Any, clue: Clue, **kwargs: Any) -> None:
        super().__init__(*args, clue=clue, **kwargs)
        for kind in ("category", "industry"):
            field = self.fields[kind]
            assert isinstance(field, forms.ChoiceField)
            choices = taxonomy_choices(kind)
            current = getattr(clue, kind)
            if current and current not in dict(choices):
                choices.append((current, taxonomy.label(kind, current)))
            field.choices = [("", _("— unchanged —")), *choices]  # empty keeps what triage set
            # triage's guess is offered, not chosen: "other" means it found nothing, so nothing is filled in
            if current and current != "other":
                field.help_text = (_("Suggested by triage: %(name)s. Check it.")
                                   % {"name": taxonomy.label(kind, current)})
        if not self.is_bound:
            self.initial.update(title=clue.title, priority=clue.priority,
                                category="" if clue.category == "other" else clue.category,
                                industry="" if clue.industry == "other" else clue.industry)


class ReasonForm(VerbForm):
    reason = _text(_("Reason"))


class TransferForm(VerbForm):
    body = forms.CharField(label=_("Transfer to (the responsible body)"), max_length=200)
    reason = _text(_("Reason"), required=False, rows=2)


class MergeForm(VerbForm):
    into = forms.CharField(label=_("Number of the clue on the same matter"), max_length=16)


class FlagForm(VerbForm):
    unit = forms.ModelChoiceField(label=_("Implicated unit"), queryset=Unit.objects.filter(active=True)
                                  .select_related("division"))
    official = forms.CharField(label=_("Official (if named)"), required=False, max_length=120)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class EmptyForm(VerbForm):
    pass


class NoteForm(VerbForm):
    uses_version = False
    kind = forms.ChoiceField(label=_("Kind"), choices=Note.Kind.choices)
    text = _text(_("Text (internal: never shown to the reporter)"), max_length=20000, rows=4)


class EvidenceForm(VerbForm):
    uses_version = False
    multipart = True
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)


class ExtensionRequestForm(VerbForm):
    uses_version = False
    days = forms.IntegerField(label=_("Extra days"), min_value=1, max_value=60)
    reason = _text(_("Reason"))


class ExtensionDecisionForm(VerbForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
                                 widget=forms.RadioSelect)
    reason = _text(_("Reason (needed to refuse)"), required=False, rows=2)


class ConclusionForm(VerbForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=Conclusion.Finding.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Conclusion.Outcome.choices)
    also_outcomes = forms.MultipleChoiceField(
        label=_("Further outcomes of the same matter"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[c for c in Conclusion.Outcome.choices if c[0] != Conclusion.Outcome.NO_ACTION],
        help_text=_("E.g. a criminal case and a discipline referral: each is counted in the statistics."))
    case_number = forms.CharField(label=_("Case number (for a criminal case)"), required=False, max_length=64)
    summary = _text(_("Internal summary: what was verified and how"), max_length=20000, rows=4)
    public_wording = _text(_("Wording for the reporter (shown on their status page)"), max_length=2000)

    def __init__(self, *args: Any, clue: Clue, **kwargs: Any) -> None:
        super().__init__(*args, clue=clue, **kwargs)
        current = clue.current_conclusion
        if not self.is_bound and current is not None and clue.state == Clue.State.DRAFTED:
            self.initial.update({k: getattr(current, k) for k in
                                 ("finding", "outcome", "case_number", "summary", "public_wording")})
            self.initial["also_outcomes"] = current.outcomes[1:]


class SignForm(VerbForm):
    uses_version = False
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, clue: Clue, **kwargs: Any) -> None:
        super().__init__(*args, clue=clue, **kwargs)
        current = clue.current_conclusion
        if not self.is_bound and current is not None:
            self.initial["revision"] = current.revision


class AccountabilityFields(forms.Form):
    acc_unit = forms.ModelChoiceField(label=_("Accountability: unit that handled it improperly"), required=False,
                                      queryset=Unit.objects.filter(active=True))
    acc_official = forms.CharField(label=_("Official"), required=False, max_length=120)
    acc_finding = _text(_("What was improper"), required=False, rows=2)
    acc_measure = forms.CharField(label=_("Measure taken"), required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("acc_unit") and not (data.get("acc_finding") or "").strip():
            self.add_error("acc_finding", _("Say what was improper."))
        return data


class ReviewKeepForm(VerbForm, AccountabilityFields):
    reason = _text(_("Reason"), required=False, rows=2)


class ReviewReopenForm(AssignForm, AccountabilityFields):
    reason = _text(_("Reason for reopening"), rows=2)


class AccountabilityForm(VerbForm):
    uses_version = False
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.filter(active=True))
    official = forms.CharField(label=_("Official"), required=False, max_length=120)
    finding = _text(_("What was improper"))
    measure = forms.CharField(label=_("Measure taken"), required=False, max_length=300)


FORMS: dict[str, type[VerbForm]] = {
    "screen_valid": ScreenValidForm,
    "screen_invalid": ReasonForm,
    "transfer": TransferForm,
    "merge": MergeForm,
    "flag_implicated": FlagForm,
    "assign": AssignForm,
    "reassign": AssignForm,
    "start_verification": EmptyForm,
    "add_note": NoteForm,
    "add_evidence": EvidenceForm,
    "request_extension": ExtensionRequestForm,
    "decide_extension": ExtensionDecisionForm,
    "draft_conclusion": ConclusionForm,
    "edit_conclusion": ConclusionForm,
    "sign": SignForm,
    "refuse_signature": ReasonForm,
    "conclude": EmptyForm,
    "review_keep": ReviewKeepForm,
    "review_reopen": ReviewReopenForm,
    "record_accountability": AccountabilityForm,
}


class MessageForm(forms.Form):
    report = forms.IntegerField(widget=forms.HiddenInput)
    body = _text(_("Message to the reporter (they will see it)"), max_length=20000, rows=3)


def taxonomy_choices(kind: str) -> list[tuple[str, str]]:
    """Categories or industries as (code, name in the reader's language), in the taxonomy's order."""
    return taxonomy.choices(kind)

