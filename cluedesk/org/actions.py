"""Staff roles and the actions they may perform: what ``org.access`` checks, what apps declare.

This module imports no models, so an app's ``apps.py`` can import it at module top and declare its
actions in ``AppConfig.ready()`` (``define_action("cases_view", "dispatcher", …)``).
``org.access.visible_to`` and ``get_visible_or_404`` ask ``roles_for(action)`` which roles give
scope for an action; unknown actions fail closed (ValueError).
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    INTAKE_REVIEWER = "intake_reviewer", _("intake reviewer")
    DISPATCHER = "dispatcher", _("dispatcher")
    VERIFIER = "verifier", _("verifier")
    SIGNATORY_1 = "signatory_1", _("signatory: head of the verifying team")
    SIGNATORY_2 = "signatory_2", _("signatory: head of the office")
    SIGNATORY_3 = "signatory_3", _("signatory: responsible leader")
    SUPERVISOR = "supervisor", _("supervisor")
    AUDITOR = "auditor", _("auditor")
    CUSTODIAN = "custodian", _("custodian")
    INDUSTRY_LIAISON = "industry_liaison", _("industry liaison")
    ADMIN = "admin", _("unit admin")


ALL_ROLES: frozenset[str] = frozenset(Role.values)

ACTION_ROLES: dict[str, frozenset[str]] = {
    "view": ALL_ROLES,
    "screen": frozenset({Role.INTAKE_REVIEWER}),
    "dispatch": frozenset({Role.DISPATCHER}),
    "verify": frozenset({Role.VERIFIER}),
    "sign": frozenset({Role.SIGNATORY_1, Role.SIGNATORY_2, Role.SIGNATORY_3}),
    "supervise": frozenset({Role.SUPERVISOR}),
    "audit": frozenset({Role.AUDITOR}),
    "manage_members": frozenset({Role.ADMIN}),
    "request_disclosure": frozenset({Role.VERIFIER}),
    "decide_disclosure": frozenset({Role.CUSTODIAN}),
    "manage_keys": frozenset({Role.CUSTODIAN}),
    "liaise": frozenset({Role.INDUSTRY_LIAISON}),
}


def define_action(name: str, *roles: str) -> None:
    """Declare (or widen) an action: which roles may perform it. Call from ``AppConfig.ready()``."""
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles for action {name!r}: {sorted(unknown)}")
    ACTION_ROLES[name] = ACTION_ROLES.get(name, frozenset()) | frozenset(roles)


def roles_for(action: str) -> frozenset[str]:
    try:
        return ACTION_ROLES[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}: declare it with define_action()") from None
