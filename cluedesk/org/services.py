"""Verbs on units and their staff: one transaction and one ledger event each."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluedesk.ledger.services import Actor, record

from .access import forget_grants
from .models import Division, Membership, Role, Unit

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


class OrgError(ValidationError):
    """A refusal a person can cause; the message is in their language and nothing was changed."""


def _clean_roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted(set(roles))
    unknown = set(chosen) - set(Role.values)
    if unknown:
        raise OrgError(_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    if not chosen:
        raise OrgError(_("Choose at least one role."))
    return chosen


def new_password() -> str:
    """A one-time random password, shown once to the admin who created the account."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def _admins_left(unit: Unit, excluding_user_id: int) -> int:
    return Membership.objects.filter(unit=unit, role=Role.ADMIN).exclude(user_id=excluding_user_id).count()


@transaction.atomic
def create_unit(*, acting: Actor, name: str, division: Division, type: str = Unit.Type.ANTI_GANG_OFFICE,
                parent: Unit | None = None) -> Unit:
    if type not in Unit.Type.values:
        raise OrgError(_("Unknown unit type."))
    unit = Unit.objects.create(name=name, division=division, type=type, parent=parent)
    record("org.unit_created", actor=acting, subject_type="unit", subject_id=unit.pk,
           data={"division": division.code, "type": type, "parent": parent.pk if parent else None})
    return unit


def add_staff_member(*, acting_user: Any, unit: Unit, username: str, full_name: str,
                     roles: Iterable[str], actor: Actor | None = None,
                     password: str | None = None) -> tuple[Any, str]:
    """Create a staff account in ``unit`` with ``roles``; returns (user, one-time password).

    The person signs in with the password and must enrol an authenticator before anything else.
    """
    username = username.strip().lower()
    full_name = full_name.strip()
    chosen = _clean_roles(roles)
    if not USERNAME_RE.match(username):
        raise OrgError(_("A username is 3 to 40 lower-case letters, digits, dots, dashes or underscores."))
    if not full_name or len(full_name) > 150:
        raise OrgError(_("Enter the person's name (at most 150 characters)."))
    User = get_user_model()
    password = password or new_password()
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise OrgError(_("The username %(username)s is already taken.") % {"username": username})
        user = User.objects.create_user(username=username, password=password, first_name=full_name)
        Membership.objects.bulk_create([Membership(user=user, unit=unit, role=r) for r in chosen])
        record("org.staff_added", actor=actor or Actor.staff(acting_user), subject_type="unit", subject_id=unit.pk,
               data={"user": user.pk, "roles": chosen})
    return user, password


def change_roles(*, acting_user: Any, unit: Unit, member: Any, roles: Iterable[str]) -> bool:
    """Set ``member``'s roles in ``unit``. Returns False (and records nothing) when unchanged."""
    chosen = _clean_roles(roles)
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        before = sorted(Membership.objects.filter(unit=unit, user=member).values_list("role", flat=True))
        if not before:
            raise OrgError(_("This person is not a member of the unit."))
        if before == chosen:
            return False
        if Role.ADMIN in before and Role.ADMIN not in chosen and _admins_left(unit, member.pk) == 0:
            raise OrgError(_("A unit must keep at least one admin."))
        Membership.objects.filter(unit=unit, user=member).exclude(role__in=chosen).delete()
        Membership.objects.bulk_create([Membership(user=member, unit=unit, role=r)
                                        for r in chosen if r not in before])
        record("org.roles_changed", actor=Actor.staff(acting_user), subject_type="unit", subject_id=unit.pk,
               data={"user": member.pk, "before": before, "after": chosen})
    forget_grants(member)
    return True


def remove_member(*, acting_user: Any, unit: Unit, member: Any) -> bool:
    """Take every role ``member`` holds in ``unit``. Their very next request is refused if it was
    their last unit. Returns False when they were not a member (a repeated request)."""
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        before = sorted(Membership.objects.filter(unit=unit, user=member).values_list("role", flat=True))
        if not before:
            return False
        if Role.ADMIN in before and _admins_left(unit, member.pk) == 0:
            raise OrgError(_("A unit must keep at least one admin."))
        Membership.objects.filter(unit=unit, user=member).delete()
        record("org.member_removed", actor=Actor.staff(acting_user), subject_type="unit", subject_id=unit.pk,
               data={"user": member.pk, "roles": before})
    forget_grants(member)
    return True
