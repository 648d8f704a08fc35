"""The correction form of the triage card: category, industry, umbrella flag and place."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cluedesk.org.access import territory
from cluedesk.org.models import Division

from .corrections import place_in_territory
from .models import Category, Industry
from .services import TriageError

# a territory with more divisions than this (a province's or the nation's) gets the clue's
# neighbourhood in the list and a code box for anything else
LIST_LIMIT = 400
YES_NO = [("yes", _("yes: officials are implicated")), ("no", _("no"))]


def _name(row: Any) -> str:
    return row.name_zh if row.name_zh and (get_language() or "").startswith("zh") else row.name


def _option(d: Division) -> tuple[str, str]:
    return d.code, ("\u3000" * max(0, d.level - 1)) + f"{d.name} ({d.code})"


def place_choices(user: Any, current: Division | None) -> list[tuple[str, str]]:
    """Divisions the person may put a clue in: the whole territory down to counties when it is
    small, else the current place, the places above it (in the territory), beside it and below it."""
    paths = territory(user, "triage")
    if not paths:
        return []
    inside = Q(pk__in=[])
    for path in paths:
        inside |= Q(path__startswith=path)
    everything = Division.objects.filter(inside).order_by("path")
    if everything.count() <= LIST_LIMIT:
        return [_option(d) for d in everything]
    near = Q(pk__in=[])
    if current is not None:
        codes = [c for c in current.path.split("/") if c]
        near = Q(code__in=codes) | Q(parent_id=current.code)
        if current.parent_id:
            near |= Q(parent_id=current.parent_id)
    else:
        roots = [p.rstrip("/").rsplit("/", 1)[-1] for p in paths]
        near = Q(code__in=roots) | Q(parent_id__in=roots)
    return [_option(d) for d in everything.filter(near)[:LIST_LIMIT]]


class PlaceField(forms.ChoiceField):
    """A select of places that accepts any code: ``CorrectionForm.clean`` checks it against the
    person's territory (the list only helps)."""

    def valid_value(self, value: Any) -> bool:
        return True


class CorrectionForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    industry = forms.ChoiceField(label=_("Industry"))
    umbrella = forms.ChoiceField(label=_("Officials implicated (umbrella)"), choices=YES_NO, widget=forms.RadioSelect)
    division = PlaceField(label=_("Place"), required=False)
    division_code = forms.CharField(label=_("or another division code"), required=False, max_length=12,
                                    help_text=_("Six digits, e.g. 430181; it must lie in your area."))

    def __init__(self, *args: Any, user: Any, clue: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "triage-%s")  # the clue page's screening form has fields of these names
        super().__init__(*args, **kwargs)
        self.user, self.clue = user, clue
        cats = list(Category.objects.filter(active=True))
        inds = list(Industry.objects.filter(active=True))
        fields: dict[str, Any] = self.fields
        fields["category"].choices = [(c.code, _name(c)) for c in cats]
        fields["industry"].choices = [(i.code, _name(i)) for i in inds]
        places = place_choices(user, clue.division)
        if clue.division_id and clue.division_id not in {c for c, _l in places}:
            places.insert(0, _option(clue.division))  # shown as it is, even outside the list
        fields["division"].choices = [("", _("— not known —"))] + places
        if not self.is_bound:
            self.initial.update(category=clue.category or "other", industry=clue.industry or "other",
                                umbrella="yes" if clue.umbrella else "no", division=clue.division_id or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = (data.get("division_code") or "").strip()
        code = typed or (data.get("division") or "").strip()
        data["place"] = ""
        if code and code != (self.clue.division_id or ""):
            try:
                place_in_territory(self.user, code)
            except TriageError as exc:
                self.add_error("division_code" if typed else "division", str(exc))
            else:
                data["place"] = code
        return data
