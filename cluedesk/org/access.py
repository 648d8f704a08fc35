"""The one entry point that decides what a staff member may see and do (NetBox's ``restrict``).

``visible_to(user, queryset, action)`` scopes any staff queryset; views never filter by hand.
First version: any active staff member with a membership sees everything; the organization
issue replaces this with division scoping and roles.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

M = TypeVar("M")


def is_staff_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.memberships.exists())


def roles_of(user: Any) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.memberships.values_list("role", flat=True))


def visible_to(user: Any, queryset: QuerySet[Any], action: str = "view") -> QuerySet[Any]:
    if not is_staff_member(user):
        return queryset.none()
    return queryset


def staff_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view for signed-in staff; with roles, only for holders of one of them (else 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_staff_member(request.user):
                raise PermissionDenied
            if roles and not (roles_of(request.user) & set(roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
