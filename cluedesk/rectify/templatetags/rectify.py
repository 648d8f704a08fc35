"""Template filters of the rectification registers."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from cluedesk.rectify.industry import industry_name

register = template.Library()


@register.filter
def industry_label(code: str) -> str:
    return industry_name(code)


EVENTS = {
    "rectify.item_added": _("Put on the list"),
    "rectify.item_started": _("Rectification started"),
    "rectify.item_submitted": _("Evidence submitted"),
    "rectify.item_verified": _("Verified rectified"),
    "rectify.item_reopened": _("Reopened"),
    "rectify.letter_issued": _("Letter recorded"),
    "rectify.letter_answered": _("Feedback recorded"),
    "rectify.task_created": _("Task created"),
    "rectify.milestone_added": _("Milestone added"),
    "rectify.milestone_done": _("Milestone done"),
    "rectify.indicator_added": _("Indicator added"),
}


@register.filter
def event_label(verb: str) -> str:
    return str(EVENTS.get(verb, verb))


@register.filter
def actor_name(event: object) -> str:
    """The person behind a staff event (full name, else username); the system otherwise."""
    if getattr(event, "actor_kind", "") != "staff":
        return str(_("system"))
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=getattr(event, "actor_id", None) or 0).first()
    return (user.get_full_name() or user.username) if user else str(_("staff"))
