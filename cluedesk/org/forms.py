from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role


class PasswordForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=256, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))


class SudoForm(forms.Form):
    password = forms.CharField(label=_("Password"), max_length=256, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                 "autofocus": True}))
    code = forms.CharField(label=_("Code from your authenticator"), max_length=8, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric"}))


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=Role.choices, label=_("Roles"), **kwargs)  # type: ignore[arg-type]


class AddStaffForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=40,
                               help_text=_("Lower-case letters, digits, dots, dashes."))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    roles = RolesField()


class RolesForm(forms.Form):
    roles = RolesField()
