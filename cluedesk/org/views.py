"""Sign-in, re-authentication, the staff home and unit membership pages. Thin: parse, check, call."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cluedesk.platform.registry import registry

from . import auth, lists, services
from .access import (
    get_visible_or_404,
    is_verified,
    next_sign_in_step,
    roles_of,
    staff_required,
    sudo_active,
    sudo_required,
    visible_to,
)
from .forms import AddStaffForm, CodeForm, PasswordForm, RolesForm, SudoForm
from .models import Membership, Role, Unit


def _safe_next(request: HttpRequest, default: str = "/staff/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and target.startswith(("/staff/", "/django-admin/")) and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _locked_text() -> str:
    return _("Too many failed attempts. Signing in is blocked for a while; try again later.")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if is_verified(request.user):
            return HttpResponseRedirect(_safe_next(request))
        return HttpResponseRedirect(next_sign_in_step(request))
    form = PasswordForm(request.POST or None)
    error = ""
    if request.session.pop(auth.SESSION_ENDED, False):
        messages.warning(request, _("Your session has ended. Please sign in again."))
    if request.method == "POST" and form.is_valid():
        result = auth.sign_in_password(request, form.cleaned_data["username"], form.cleaned_data["password"])
        if result.ok:
            request.session["cluedesk_next"] = _safe_next(request)
            return HttpResponseRedirect(result.next_url)
        error = _locked_text() if result.locked else _("The username or password is wrong.")
    return render(request, "org/login.html", {"form": form, "error": error, "next": _safe_next(request)},
                  status=200 if not error else 400)


def _after_sign_in(request: HttpRequest) -> str:
    target = request.session.pop("cluedesk_next", "/staff/")
    return target if isinstance(target, str) and target.startswith("/staff/") else "/staff/"


@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseRedirect("/staff/login/")
    if is_verified(request.user):
        return HttpResponseRedirect("/staff/")
    if next_sign_in_step(request) != "/staff/login/code/":
        return HttpResponseRedirect("/staff/login/enrol/")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = auth.verify_code(request, form.cleaned_data["code"])
        if result.ok:
            return HttpResponseRedirect(_after_sign_in(request))
        if result.locked:
            messages.error(request, _locked_text())
            return HttpResponseRedirect("/staff/login/")
        error = _("That code is not valid. Use the current code from your authenticator, or an unused recovery code.")
    return render(request, "org/code.html", {"form": form, "error": error}, status=200 if not error else 400)


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#111", light="#fff")


def _codes_file(username: str, codes: list[str]) -> dict[str, str]:
    """The codes as a text file the page offers for download (a data: link: they are shown once
    and kept only hashed, so no later request could serve them)."""
    lines = [_("cluedesk recovery codes for %(user)s, made %(when)s. Each works once.") % {
        "user": username, "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}, "", *codes, ""]
    return {"codes_file": "\r\n".join(lines), "file_name": f"cluedesk-recovery-codes-{username}.txt"}


@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseRedirect("/staff/login/")
    if next_sign_in_step(request) != "/staff/login/enrol/":
        return HttpResponseRedirect("/staff/" if is_verified(request.user) else "/staff/login/code/")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result, codes = auth.confirm_enrolment(request, form.cleaned_data["code"])
        if result.ok:
            return render(request, "org/recovery_codes.html", {
                "codes": codes, "next": _after_sign_in(request), **_codes_file(request.user.get_username(), codes)})
        if result.locked:
            messages.error(request, _locked_text())
            return HttpResponseRedirect("/staff/login/")
        error = _("That code is not valid. Enter the six digits your authenticator shows now.")
    device = auth.pending_totp_device(request.user)
    secret = device.bin_key
    b32 = base64.b32encode(secret).decode().rstrip("=")
    return render(request, "org/enrol.html", {
        "form": form, "error": error, "qr": _qr_svg(device.config_url),
        "secret": " ".join(b32[i:i + 4] for i in range(0, len(b32), 4)),
    }, status=200 if not error else 400)


@require_http_methods(["GET", "POST"])
@staff_required()
def sudo_view(request: HttpRequest) -> HttpResponse:
    form = SudoForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = auth.reauthenticate(request, form.cleaned_data["password"], form.cleaned_data["code"])
        if result.ok:
            return HttpResponseRedirect(_safe_next(request))
        error = _locked_text() if result.locked else _("The password or the code is wrong.")
    return render(request, "org/sudo.html", {"form": form, "error": error, "next": _safe_next(request)},
                  status=200 if not error else 400)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.sign_out(request)
    return HttpResponseRedirect("/staff/login/")


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    memberships = (Membership.objects.filter(user=user, unit__active=True)
                   .select_related("unit", "unit__division").order_by("unit__division__path", "unit__name", "role"))
    units: dict[int, dict[str, Any]] = {}
    for m in memberships:
        entry = units.setdefault(m.unit_id, {"unit": m.unit, "roles": []})
        entry["roles"].append(m.get_role_display())
    return render(request, "org/home.html", {
        "units": list(units.values()), "roles": roles_of(user),
        "admin_units": visible_to(user, Unit.objects.all(), "manage_members"),
        "is_custodian": Role.CUSTODIAN in roles_of(user),
        # apps above org put what waits for the person here (registry store "home_panels")
        "panels": [p for p in (panel(request) for panel in registry["home_panels"]) if p is not None],
    })


@staff_required(Role.ADMIN)
def unit_list(request: HttpRequest) -> HttpResponse:
    units = visible_to(request.user, Unit.objects.select_related("division"), "manage_members")
    return render(request, "org/units.html", {"units": units})


def _unit_for_admin(request: HttpRequest, unit_id: int) -> Unit:
    unit: Unit = get_visible_or_404(request.user, Unit.objects.select_related("division"), "manage_members",
                                    pk=unit_id)
    return unit


def _members(unit: Unit) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for m in Membership.objects.filter(unit=unit).select_related("user").order_by("user__username", "role"):
        entry = rows.setdefault(m.user_id, {"user": m.user, "roles": [], "role_values": []})
        entry["roles"].append(m.get_role_display())
        entry["role_values"].append(m.role)
    for entry in rows.values():
        entry["form"] = RolesForm(initial={"roles": entry["role_values"]}, auto_id=f"id_{entry['user'].pk}_%s")
    return list(rows.values())


def _render_members(request: HttpRequest, unit: Unit, *, add_form: AddStaffForm | None = None,
                    created: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    return render(request, "org/unit_members.html", {
        "unit": unit, "members": _members(unit), "add_form": add_form or AddStaffForm(),
        "created": created, "sudo": sudo_active(request),
    }, status=status)


@staff_required(Role.ADMIN)
def unit_members(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _render_members(request, _unit_for_admin(request, unit_id))


@require_POST
@staff_required(Role.ADMIN)
@sudo_required
def member_add(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit_for_admin(request, unit_id)
    form = AddStaffForm(request.POST)
    if not form.is_valid():
        return _render_members(request, unit, add_form=form, status=400)
    try:
        user, password = services.add_staff_member(
            acting_user=request.user, unit=unit, username=form.cleaned_data["username"],
            full_name=form.cleaned_data["full_name"], roles=form.cleaned_data["roles"])
    except services.OrgError as exc:
        form.add_error(None, exc.message)
        return _render_members(request, unit, add_form=form, status=400)
    return _render_members(request, unit, created={"username": user.username, "password": password})


def _member_of(unit: Unit, user_id: int) -> Any:
    member = get_user_model().objects.filter(pk=user_id, memberships__unit=unit).first()
    if member is None:
        raise Http404
    return member


@require_POST
@staff_required(Role.ADMIN)
@sudo_required
def member_roles(request: HttpRequest, unit_id: int, user_id: int) -> HttpResponse:
    unit = _unit_for_admin(request, unit_id)
    member = _member_of(unit, user_id)
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one role; to take every role, remove the member."))
        return HttpResponseRedirect(f"/staff/units/{unit.pk}/")
    try:
        changed = services.change_roles(acting_user=request.user, unit=unit, member=member,
                                        roles=form.cleaned_data["roles"])
    except services.OrgError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(f"/staff/units/{unit.pk}/")
    if changed:
        messages.success(request, _("Roles of %(username)s changed.") % {"username": member.username})
    return HttpResponseRedirect(f"/staff/units/{unit.pk}/")


@require_POST
@staff_required(Role.ADMIN)
@sudo_required
def member_remove(request: HttpRequest, unit_id: int, user_id: int) -> HttpResponse:
    unit = _unit_for_admin(request, unit_id)
    member = _member_of(unit, user_id)
    try:
        services.remove_member(acting_user=request.user, unit=unit, member=member)
    except services.OrgError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(f"/staff/units/{unit.pk}/")
    messages.success(request, _("%(username)s was removed from the unit.") % {"username": member.username})
    return HttpResponseRedirect(f"/staff/units/{unit.pk}/")


@require_GET
@staff_required()
def division_search(request: HttpRequest) -> HttpResponse:
    """The division picker's answers: ``<option>``s of the divisions in the person's territory whose
    name contains the text or whose code starts with it (``q``, or the picker's own field name)."""
    text = request.GET.get("q") or request.GET.get("division") or ""
    divisions = lists.search_divisions(request.user, text)
    for d in divisions:
        d.picker_value = lists.picker_value(d)  # type: ignore[attr-defined]
    return render(request, "org/_division_options.html", {"divisions": divisions})
