"""Forms of the registers: they parse and check the shape of the input; the rules live in
``services`` (a form that passes may still be refused there, with a message)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cluedesk.clues.models import Clue
from cluedesk.org.access import _grants, roles_for, visible_to
from cluedesk.org.models import Division, Unit

from .models import STAGE_ORDER, Fugitive, MajorCase, Stage, Suspect

DATE = forms.DateInput(attrs={"type": "date"})
def scope_paths(user: Any, action: str) -> list[str]:
    allowed = roles_for(action)
    return sorted({g.division_path for g in _grants(user) if g.role in allowed})


def in_scope(user: Any, division: Division | None, action: str) -> bool:
    return division is not None and any(division.path.startswith(p) for p in scope_paths(user, action))


def division_choices(user: Any, action: str, limit: int = 600) -> list[tuple[str, str]]:
    """The person's divisions and two levels below them (where registers are usually kept)."""
    q = Q(pk__in=[])
    for path in scope_paths(user, action):
        depth = path.count("/")
        q |= Q(path__startswith=path, level__lte=min(3, depth + 1))
    rows = Division.objects.filter(q).order_by("path").values_list("code", "name", "level")[:limit]
    return [(code, ("\u3000" * max(0, level - 1)) + f"{name} ({code})") for code, name, level in rows]


def unit_choices(user: Any, action: str, limit: int = 300) -> Any:
    """Units a case may name: those in the person's territory and those above it."""
    q = Q(pk__in=[])
    for path in scope_paths(user, action):
        codes = [c for c in path.split("/") if c]
        q |= Q(division__path__startswith=path) | Q(division_id__in=codes)
    return Unit.objects.filter(active=True).filter(q).select_related("division").order_by("division__path", "name")[:limit]


class UnitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} · {obj.division.name}"


def split_ids(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,，;；、]+", (text or "").strip().upper()) if t][:50]


class _ScopedForm(forms.Form):
    """A form that offers only the person's divisions and units."""

    action = "cases_edit"

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "division" in self.fields:
            self.fields["division"].choices = division_choices(user, self.action)  # type: ignore[attr-defined]
        for name in ("units", "handling_unit"):
            if name in self.fields:
                self.fields[name].queryset = unit_choices(user, self.action)  # type: ignore[attr-defined]

    def clean_division(self) -> Division:
        division = Division.objects.filter(code=self.cleaned_data["division"]).first()
        if division is None or not in_scope(self.user, division, self.action):
            raise forms.ValidationError(_("Choose a division inside your territory."))
        return division

    def clean_clues(self) -> list[Any]:
        ids = split_ids(self.cleaned_data.get("clues", ""))
        found = {c.public_id: c for c in Clue.objects.visible_to(self.user).select_related("division")
                 .filter(public_id__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise forms.ValidationError(_("No clue with the number %(ids)s is visible to you.")
                                        % {"ids": ", ".join(missing)})
        return [found[i] for i in ids]


# --- major cases ------------------------------------------------------------------------------

class CaseForm(_ScopedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    division = forms.ChoiceField(label=_("Division"))
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    level = forms.ChoiceField(label=_("Supervising level"), choices=MajorCase.Level.choices,
                              initial=MajorCase.Level.CITY)
    listed = forms.BooleanField(label=_("Listed for supervision"), required=False)
    listed_on = forms.DateField(label=_("Listed on (blank: the opening date)"), required=False, widget=DATE)
    units = UnitChoice(label=_("Responsible units"), queryset=Unit.objects.none(), required=False,
                       widget=forms.SelectMultiple(attrs={"size": 6}))
    clues = forms.CharField(label=_("Clue numbers (optional, separated by spaces or commas)"), required=False,
                            max_length=2000)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=4000)


class ListingForm(forms.Form):
    level = forms.ChoiceField(label=_("Supervising level"), choices=MajorCase.Level.choices)
    listed = forms.BooleanField(label=_("Listed for supervision"), required=False)
    listed_on = forms.DateField(label=_("Listed on (blank: today)"), required=False, widget=DATE)


class LinkForm(_ScopedForm):
    clues = forms.CharField(label=_("Clue numbers (separated by spaces or commas)"), required=False,
                            max_length=2000)
    units = UnitChoice(label=_("Responsible units"), queryset=Unit.objects.none(), required=False,
                       widget=forms.SelectMultiple(attrs={"size": 5}))


class StageStartForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)


class StageCompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)


class SuspectForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    role = forms.ChoiceField(label=_("Role in the gang"), choices=Suspect.Role.choices, initial=Suspect.Role.MEMBER)
    is_reporter = forms.BooleanField(label=_("Also a reporter of a linked clue (the name is sealed)"),
                                     required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class DateOnlyForm(forms.Form):
    on = forms.DateField(label=_("Date (blank: today)"), required=False, widget=DATE)


class EscalateForm(_ScopedForm):
    units = UnitChoice(label=_("Member units of the joint working group"), queryset=Unit.objects.none(),
                       widget=forms.SelectMultiple(attrs={"size": 6}))
    on = forms.DateField(label=_("Date (blank: today)"), required=False, widget=DATE)


CASE_VERBS: dict[str, tuple[Any, Any]] = {
    "listing": (ListingForm, _("Change level or listing")),
    "link": (LinkForm, _("Link clues or units")),
    "stage": (StageStartForm, _("Start the next stage")),
    "complete": (StageCompleteForm, _("Complete the current stage")),
    "suspect": (SuspectForm, _("Add a suspect")),
    "no_umbrella": (DateOnlyForm, _("Flag: gang without umbrella found (remind the discipline body above)")),
    "escalate": (EscalateForm, _("Escalate: joint working group")),
}


# --- umbrella investigations ------------------------------------------------------------------

class UmbrellaForm(_ScopedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    division = forms.ChoiceField(label=_("Division"))
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    handling_unit = forms.ModelChoiceField(label=_("Handling unit (discipline body)"), queryset=Unit.objects.none(),
                                           required=False)
    cases = forms.CharField(label=_("Linked case numbers (optional)"), required=False, max_length=2000)
    clues = forms.CharField(label=_("Linked clue numbers (optional)"), required=False, max_length=2000)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=4000)

    def clean_cases(self) -> list[MajorCase]:
        numbers = split_ids(self.cleaned_data.get("cases", ""))
        found = {c.number: c for c in visible_to(self.user, MajorCase.objects.select_related("division"),
                                                 "cases_view").filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(_("No case with the number %(ids)s is visible to you.")
                                        % {"ids": ", ".join(missing)})
        return [found[n] for n in numbers]


class OfficialForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    position = forms.CharField(label=_("Position"), max_length=120)
    organisation = forms.CharField(label=_("Unit or organisation"), max_length=120)
    division = forms.CharField(label=_("Division code (blank: the investigation's)"), required=False, max_length=12)

    def clean_division(self) -> Division | None:
        code = (self.cleaned_data.get("division") or "").strip()
        if not code:
            return None
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise forms.ValidationError(_("Unknown division code."))
        return division


class OutcomeForm(forms.Form):
    official = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Outcome"), choices=[
        ("discipline", _("party discipline")), ("sanction", _("administrative sanction")),
        ("transfer", _("transferred to judicial organs"))])
    on = forms.DateField(label=_("Date"), widget=DATE)
    detail = forms.CharField(label=_("Which discipline or sanction"), required=False, max_length=120)


# --- fugitives --------------------------------------------------------------------------------

class FugitiveForm(_ScopedForm):
    case = forms.CharField(label=_("Case number"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=64)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), ("m", _("male")), ("f", _("female"))])
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False)
    id_number = forms.CharField(label=_("ID number (sealed; only the last four characters stay readable)"),
                                required=False, max_length=32)
    at_large_since = forms.DateField(label=_("At large since"), widget=DATE)
    listed_on = forms.DateField(label=_("Listed as a target on (blank: today)"), required=False, widget=DATE)
    residence = forms.CharField(label=_("Place of residence"), required=False, max_length=120)
    household = forms.CharField(label=_("Household registration place"), required=False, max_length=120)
    abroad = forms.BooleanField(label=_("Believed to be abroad"), required=False)

    def clean_case(self) -> MajorCase:
        number = self.cleaned_data["case"].strip().upper()
        case = visible_to(self.user, MajorCase.objects.select_related("division"), "cases_edit").filter(
            number=number).first()
        if case is None:
            raise forms.ValidationError(_("No case with that number is open to you."))
        return case


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("What happened"), choices=[
        c for c in Fugitive.Status.choices if c[0] != Fugitive.Status.AT_LARGE])
    on = forms.DateField(label=_("Date"), widget=DATE)


STAGES = STAGE_ORDER
