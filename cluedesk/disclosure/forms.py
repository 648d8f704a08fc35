from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DisclosureRequestForm(forms.Form):
    report = forms.TypedChoiceField(label=_("Report"), coerce=int)
    reason = forms.CharField(label=_("Why do you need to know who reported?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, reports: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["report"].choices = reports  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
                                 widget=forms.RadioSelect, label=_("Decision"))
    passphrase = forms.CharField(label=_("Custodian passphrase (needed to approve)"), required=False,
                                 max_length=200, strip=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(label=_("Your custodian passphrase"), max_length=200, strip=False,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


class AddPassphraseForm(PassphraseForm):
    label = forms.CharField(label=_("Label for the new passphrase (the custodian's name)"), max_length=60)
