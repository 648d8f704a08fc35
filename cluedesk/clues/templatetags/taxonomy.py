from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from cluedesk.clues.taxonomy import label
from cluedesk.intake.models import Channel
from cluedesk.org.models import Unit

register = template.Library()


@register.filter
def category_label(code: str) -> str:
    return label("category", code)


@register.filter
def industry_label(code: str) -> str:
    return label("industry", code)


@register.filter
def channel_label(value: str) -> str:
    """A report's channel in the reader's language: the fixed ones by name, ``api:<name>`` and
    ``industry:<unit id>`` (clues received from an industry authority) with what they point at."""
    value = value or ""
    if value in Channel.values:
        return str(Channel(value).label)
    kind, _sep, rest = value.partition(":")
    if kind == "api" and rest:
        return _("channel API: %(name)s") % {"name": rest}
    if kind == "industry" and rest.isdigit():
        unit = Unit.objects.filter(pk=int(rest)).values_list("name", flat=True).first()
        return _("transferred by industry authority %(name)s") % {"name": unit or rest}
    return value
