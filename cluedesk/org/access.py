"""The one entry point that decides what a staff member may see and do (NetBox's ``restrict``).

* ``visible_to(user, queryset, action)`` scopes any staff queryset. A unit sees the subtree of
  its division: a county office its county, a city office the city and its counties, the
  national office everything. A model says how to reach its division with ``scope_field``
  (default ``"division"``, e.g. ``"clue__division"``); it may add ``scope_unit_field`` (e.g.
  ``"unit"``): rows handed to one of the person's units are visible to it wherever they are
  (off-site verification). Models scoped by unit membership instead of territory (``Unit``,
  ``Membership``) set ``scope_field = None`` and ``scope_unit_field``. A row reached through a
  report's clue names where it lies before triage with ``scope_awaiting`` (e.g. ``("report__clue",
  "report__division")``: while the report has no clue, the report's own division).
* ``action`` names what the person wants to do; ``org.actions.ACTION_ROLES`` says which roles
  may do it. Only the memberships holding such a role give scope for that action. Unknown actions
  fail closed (ValueError). Apps add their actions in ``AppConfig.ready()`` with
  ``define_action("assign", "dispatcher")`` (``org.actions``, which imports no models).
* Conflict of interest: rows about a clue that implicates one of the person's units, or a unit
  above one of them, are never visible (``cluedesk.clues`` keeps the ``ImplicatedUnit`` table and
  registers its finder in the registry store "implicated_clues"; without one, clue rows are not
  scoped at all: ImproperlyConfigured;
  a model reaching a clue declares ``scope_clue_field``, default derived from ``scope_field``).
* ``get_visible_or_404(user, queryset, action, **lookup)``: outside the person's scope → 404;
  inside it but no role allowed for ``action`` → 403.
* ``staff_required(*roles)``: signed in, second factor verified, member of an active unit, and
  (with roles) holding one of them. ``sudo_required`` adds a fresh re-authentication.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja.security import SessionAuth

from cluedesk.platform.registry import registry

from .actions import ALL_ROLES, roles_for
from .models import ROOT_CODE, Division, Membership, Unit

SUDO_SESSION_KEY = "cluedesk_sudo_until"


@dataclass(frozen=True)
class Grant:
    """One membership as the scoping needs it."""

    unit_id: int
    role: str
    division_path: str


def _grants(user: Any) -> list[Grant]:
    """The person's memberships in active units, read once per request (cached on the user)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_cluedesk_grants", None)
    if cached is None:
        cached = [Grant(unit_id, role, path) for unit_id, role, path in Membership.objects.filter(
            user=user, unit__active=True).values_list("unit_id", "role", "unit__division__path")]
        user._cluedesk_grants = cached
    return cached


def territory(user: Any, action: str) -> list[str]:
    """The division paths where the person may do ``action``, reduced to the highest ones (a path
    inside another one is left out): what a dashboard or report offers as its scope."""
    paths = sorted({g.division_path for g in _grants(user) if g.role in roles_for(action)}, key=len)
    minimal: list[str] = []
    for p in paths:
        if not any(p.startswith(m) for m in minimal):
            minimal.append(p)
    return minimal


def forget_grants(user: Any) -> None:
    if hasattr(user, "_cluedesk_grants"):
        del user._cluedesk_grants


def is_verified(user: Any) -> bool:
    """Signed in and past the second factor (django-otp's ``OTPMiddleware`` sets ``is_verified``)."""
    check = getattr(user, "is_verified", None)
    return bool(getattr(user, "is_authenticated", False) and check is not None and check())


def is_staff_member(user: Any) -> bool:
    return bool(_grants(user))


def roles_of(user: Any) -> set[str]:
    return {g.role for g in _grants(user)}


def unit_ids_of(user: Any, action: str = "view") -> set[int]:
    allowed = roles_for(action)
    return {g.unit_id for g in _grants(user) if g.role in allowed}


def _scope_q(model: type[Model], grants: Iterable[Grant]) -> Q | None:
    """A filter for the rows these grants reach; None means everything."""
    grants = list(grants)
    scope_field = getattr(model, "scope_field", "division")
    unit_field = getattr(model, "scope_unit_field", None)
    q = Q(pk__in=[])
    if scope_field:
        if any(g.division_path == f"{ROOT_CODE}/" for g in grants):
            return None
        # a subquery on the indexed path, not a join: keeps select_for_update() usable and lets
        # the database use the path index (one prefix range per unit)
        paths = Q(pk__in=[])
        for path in sorted({g.division_path for g in grants}):
            paths |= Q(path__prefix=path)
        divisions = Division.objects.filter(paths).values("code")
        q |= Q(**{f"{scope_field}__in": divisions})
        awaiting = getattr(model, "scope_awaiting", None)
        if awaiting:  # not on a clue yet (awaiting triage): where the report itself lies
            link, fallback = awaiting
            q |= Q(**{f"{link}__isnull": True, f"{fallback}__in": divisions})
    if unit_field:
        q |= Q(**{f"{unit_field}__in": sorted({g.unit_id for g in grants})})
    return q


def _clue_field(model: type[Model]) -> str | None:
    explicit = getattr(model, "scope_clue_field", None)
    if explicit is not None:
        return explicit or None
    if model._meta.label == "clues.Clue":
        return "pk"
    scope_field = getattr(model, "scope_field", "division") or ""
    if scope_field.endswith("clue__division"):
        return scope_field[: -len("__division")]
    return None


def _barred(model: type[Model], user: Any) -> Q | None:
    """Rows about clues implicating one of the person's units or a unit above them."""
    clue_field = _clue_field(model)
    if clue_field is None:
        return None
    finders = registry["implicated_clues"]
    if not finders:  # fail closed: never scope clue rows without the exclusion
        raise ImproperlyConfigured("no implicated-clues finder registered (cluedesk.clues is not installed?)")
    units = {g.unit_id for g in _grants(user)}
    above = set(units)
    frontier = set(units)
    while frontier:
        parents = set(Unit.objects.filter(id__in=frontier, parent__isnull=False).values_list("parent_id", flat=True))
        frontier = parents - above
        above |= parents
    barred = Q(pk__in=[])
    for finder in finders:
        barred |= Q(**{f"{clue_field}__in": finder(above)})
    return barred


def visible_to(user: Any, queryset: QuerySet[Any], action: str = "view") -> QuerySet[Any]:
    """The rows of ``queryset`` this person may perform ``action`` on (none for non-staff)."""
    allowed = roles_for(action)
    grants = [g for g in _grants(user) if g.role in allowed]
    if not grants:
        return queryset.none()
    scope = _scope_q(queryset.model, grants)
    if scope is not None:
        queryset = queryset.filter(scope)
    barred = _barred(queryset.model, user)
    if barred is not None:
        queryset = queryset.exclude(barred)
    # no .distinct(): scope paths follow forward foreign keys (no duplicate rows), and DISTINCT
    # would forbid select_for_update() on PostgreSQL
    return queryset


def get_visible_or_404(user: Any, queryset: QuerySet[Any], action: str = "view", **lookup: Any) -> Any:
    """The one row matching ``lookup``: 404 when the person cannot see it at all, 403 when they
    can see it but hold no role allowed for ``action`` on it."""
    roles_for(action)  # unknown actions fail before any query
    try:
        obj = visible_to(user, queryset, "view").get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except queryset.model.MultipleObjectsReturned:
        raise Http404 from None
    if action != "view" and not visible_to(user, queryset, action).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


# --- guarding views ---------------------------------------------------------------------------

def next_sign_in_step(request: HttpRequest) -> str:
    """Where a signed-in person whose second factor is not yet verified goes next."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return "/staff/login/code/"
    return "/staff/login/enrol/"


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}")


def staff_required(*roles: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A view for signed-in staff whose second factor is verified; with roles, only for holders
    of one of them (else 403). Not signed in (or not past the second factor) → the sign-in page."""
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return _login_redirect(request)
            if not is_verified(user):
                return HttpResponseRedirect(next_sign_in_step(request))
            if not is_staff_member(user):
                raise PermissionDenied
            if roles and not (roles_of(user) & set(roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


def sudo_active(request: HttpRequest) -> bool:
    until = request.session.get(SUDO_SESSION_KEY, 0)
    return isinstance(until, (int, float)) and until > time.time()


def grant_sudo(request: HttpRequest) -> None:
    request.session[SUDO_SESSION_KEY] = time.time() + settings.CLUEDESK_SUDO_SECONDS


def sudo_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A sensitive act: needs a re-authentication (password and code) in the last five minutes.
    Without it nothing runs: the person is sent to re-authenticate and comes back to the page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not sudo_active(request):
            # forms carry the page they came from in "back" (not the Referer header, which a browser may withhold)
            back = request.get_full_path() if request.method == "GET" else request.POST.get("back", "")
            if not back.startswith("/") or back.startswith("//"):
                back = "/staff/"
            return HttpResponseRedirect(f"/staff/sudo/?{urlencode({'next': back})}")
        return view(request, *args, **kwargs)

    wrapped.sudo = True  # type: ignore[attr-defined]
    return wrapped


# --- the API ----------------------------------------------------------------------------------

class StaffSessionAuth(SessionAuth):
    """django-ninja ``auth=``: the signed-in staff member whose second factor is verified, else
    401. Session authentication, so ninja checks CSRF on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not is_verified(user) or not is_staff_member(user):
            return None
        return user


staff_api_auth = StaffSessionAuth()
