"""Forms parse what the browser sent; the rules live in services.validate_fields."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Category

REF_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def clean_ref(value: str | None) -> str:
    value = (value or "").strip()
    return value if REF_PATTERN.match(value) else ""


def text_limit_hint() -> str:
    """The one text limit, said on the page (the service enforces the same number)."""
    return _("At most %(limit)s characters.") % {"limit": number_format(settings.CLUEDESK_MAX_TEXT_CHARS,
                                                                         force_grouping=True)}


def _text(**attrs: str) -> forms.CharField:
    return forms.CharField(required=False, strip=False, widget=forms.TextInput(attrs=attrs))


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What happened?"), required=False, strip=False,
        help_text=_("Who did what, to whom, and how you know. Facts you saw or heard, names of places, "
                    "businesses or vehicles help most."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    place_text = forms.CharField(
        label=_("Where?"), required=False, strip=False,
        # the example is a Chinese place name in any language: marked as Chinese for readers and screen readers
        help_text=mark_safe(_("Province, city, county — as precise as you can, e.g. "  # noqa: S308 - our own catalogue text
                              "<span lang=\"zh-Hans\">“湖南省长沙市岳麓区”</span> or a town or village.")),
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"}),
    )
    when_text = forms.CharField(
        label=_("When?"), required=False, strip=False,
        help_text=_("A date, or roughly: “since last spring”, “every market day”."),
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"}),
    )
    who_text = forms.CharField(
        label=_("Who is involved?"), required=False, strip=False,
        help_text=_("Names, nicknames, positions, companies."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )
    # A CharField with a select: the service says what is wrong with a value, once.
    category = forms.CharField(
        label=_("What is it about?"), required=False,
        widget=forms.Select(choices=[("", _("— not sure / skip —")), *Category.choices]),
        help_text=_("If you are not sure, skip it: staff will sort it anyway."),
    )
    name = forms.CharField(label=_("Your name"), required=False, strip=False,
                           widget=forms.TextInput(attrs={"maxlength": 100, "autocomplete": "off"}))
    contact = forms.CharField(
        label=_("How to reach you"), required=False, strip=False,
        help_text=_("Phone, e-mail or address."),
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"}),
    )
    via = forms.CharField(required=False, widget=forms.HiddenInput)
    nonce = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # No maxlength: a browser would cut a long paste without a word. The limit is said here
        # and enforced by the service, which sends the whole text back with the count.
        self.fields["text"].help_text = format_lazy(_("{hint} {limit}"), hint=self.fields["text"].help_text,
                                                  limit=text_limit_hint())


class StaffReportForm(ReportForm):
    channel = forms.ChoiceField(
        label=_("Received by"), choices=[("phone", _("phone call")), ("meeting", _("meeting in person")),
                                         ("letter", _("letter"))],
        widget=forms.RadioSelect, initial="phone",
    )
    name = forms.CharField(label=_("Reporter's name"), required=False, strip=False,
                           help_text=_("Only if the reporter wants to give it. It is sealed at once."),
                           widget=forms.TextInput(attrs={"maxlength": 100, "autocomplete": "off"}))
    contact = forms.CharField(label=_("Reporter's contact"), required=False, strip=False,
                              help_text=_("Phone or address for replies, if the reporter wants them. Sealed at once."),
                              widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"}))


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"), required=False, strip=False,
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "maxlength": 40,
            "placeholder": "XXXX-XXXX-XXXX-XXXX", "class": "codeinput",
        }),
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Add information"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["body"].help_text = text_limit_hint()


class PosterForm(forms.Form):
    ref = forms.RegexField(
        label=_("Channel label"), regex=REF_PATTERN, required=True, initial="poster",
        help_text=_("Letters, digits, - and _ only, e.g. “bus-station-3” or “township-office”. Reports through "
                    "this poster are marked with it."),
        error_messages={"invalid": _("Use only letters, digits, - and _ (at most 40)."),
                        "required": _("Give the poster a label.")},
    )
    heading = forms.CharField(label=_("Heading"), required=False, max_length=80)
