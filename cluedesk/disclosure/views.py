"""Disclosure requests and custodian keys: the custodian workflow's pages, above clues (a request
names a clue). Thin: parse, authorize (org.access), call the vault's service, render. The pages
keep the "vault" URL namespace and the ``vault/`` templates they have always had."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cluedesk.clues.models import Clue
from cluedesk.ledger.services import Actor
from cluedesk.org.access import get_visible_or_404, staff_required, sudo_active, sudo_required, visible_to
from cluedesk.org.actions import Role
from cluedesk.vault import sealing, services
from cluedesk.vault.models import DisclosureRequest

from .forms import AddPassphraseForm, DecisionForm, DisclosureRequestForm, PassphraseForm

COOKIE_PATH = "/staff/vault/"
COOKIE_AGE = 14 * 24 * 3600


def _cookie_name(request_id: int) -> str:
    return f"cd_disclosure_{request_id}"


@staff_required()
def index(request: HttpRequest) -> HttpResponse:
    services.expire_disclosures()
    user: Any = request.user
    mine = DisclosureRequest.objects.filter(requester=user).select_related("clue")[:50]
    to_decide = (visible_to(user, DisclosureRequest.objects.select_related("clue", "requester"), "decide_disclosure")
                 .filter(state=DisclosureRequest.State.REQUESTED).exclude(requester=user))
    decided = (visible_to(user, DisclosureRequest.objects.select_related("clue", "requester", "decided_by"),
                          "decide_disclosure").exclude(state=DisclosureRequest.State.REQUESTED)[:50])
    return render(request, "vault/index.html", {"mine": mine, "to_decide": to_decide, "decided": decided})


def _report_choices(clue: Clue) -> list[tuple[int, str]]:
    return [(r.pk, _("Report %(n)d, received %(date)s") % {"n": i, "date": f"{r.created_at:%Y-%m-%d}"})
            for i, r in enumerate(services.reports_with_identity(clue), start=1)]


@require_http_methods(["GET", "POST"])
@staff_required(Role.VERIFIER)
def request_form(request: HttpRequest, public_id: str) -> HttpResponse:
    clue: Clue = get_visible_or_404(request.user, Clue.objects.all(), "request_disclosure", public_id=public_id)
    choices = _report_choices(clue)
    form = DisclosureRequestForm(request.POST or None, reports=choices)
    if request.method == "POST" and form.is_valid():
        try:
            req, key_hex = services.request_disclosure(user=request.user, clue=clue,
                                                       report_pk=form.cleaned_data["report"],
                                                       reason=form.cleaned_data["reason"])
        except services.VaultError as exc:
            form.add_error(None, str(exc))
        else:
            response = HttpResponseRedirect(f"/staff/vault/requests/{req.pk}/")
            response.set_cookie(_cookie_name(req.pk), key_hex, max_age=COOKIE_AGE, path=COOKIE_PATH,
                                httponly=True, samesite="Strict", secure=settings.SESSION_COOKIE_SECURE)
            messages.success(request, _("Your request was sent to the custodians. Keep using this browser: "
                                        "only it can open the answer."))
            return response
    return render(request, "vault/request.html", {
        "clue": clue, "form": form, "has_reports": bool(choices),
        "history": services.disclosures_for_clue(clue),
    }, status=400 if request.method == "POST" else 200)


def _request_for(request: HttpRequest, request_id: int, action: str = "view") -> DisclosureRequest:
    req: DisclosureRequest = get_visible_or_404(
        request.user, DisclosureRequest.objects.select_related("clue", "requester", "decided_by"), action,
        pk=request_id)
    if action == "view" and req.requester_id != request.user.pk:
        # only the requester and the custodians responsible for the clue may look at a request
        get_visible_or_404(request.user, DisclosureRequest.objects.all(), "decide_disclosure", pk=request_id)
    return req


@staff_required()
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    services.expire_disclosures()
    req = _request_for(request, request_id)
    is_requester = req.requester_id == request.user.pk
    return render(request, "vault/detail.html", {
        "req": req, "is_requester": is_requester, "decision_form": DecisionForm(),
        "can_decide": not is_requester and req.state == DisclosureRequest.State.REQUESTED
        and visible_to(request.user, DisclosureRequest.objects.filter(pk=req.pk), "decide_disclosure").exists(),
        "has_key": _cookie_name(req.pk) in request.COOKIES, "sudo": sudo_active(request),
    })


@require_POST
@staff_required(Role.CUSTODIAN)
@sudo_required
def decide(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _request_for(request, request_id, "decide_disclosure")
    form = DecisionForm(request.POST)
    back = HttpResponseRedirect(f"/staff/vault/requests/{req.pk}/")
    if not form.is_valid():
        messages.error(request, _("Choose to approve or refuse."))
        return back
    approve = form.cleaned_data["decision"] == "approve"
    if approve and not form.cleaned_data["passphrase"]:
        messages.error(request, _("Approving needs your custodian passphrase."))
        return back
    try:
        services.decide_disclosure(custodian=request.user, request_id=req.pk, approve=approve,
                                   note=form.cleaned_data["note"], passphrase=form.cleaned_data["passphrase"])
    except services.VaultError as exc:
        messages.error(request, str(exc))
        return back
    messages.success(request, _("Approved: the requester can view the identity once.") if approve
                     else _("Refused."))
    return back


@require_POST
@staff_required(Role.VERIFIER)
@sudo_required
def open_identity(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _request_for(request, request_id)
    if req.requester_id != request.user.pk:
        raise PermissionDenied
    try:
        identity = services.view_identity(user=request.user, request_id=req.pk,
                                          ephemeral_private_hex=request.COOKIES.get(_cookie_name(req.pk), ""))
    except services.VaultError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(f"/staff/vault/requests/{req.pk}/")
    req.refresh_from_db()
    labels = {"name": _("Name"), "contact": _("Contact")}
    shown = [(labels.get(k, k), v) for k, v in sorted(identity.items())]
    response = render(request, "vault/identity.html", {"req": req, "identity": shown})
    response.delete_cookie(_cookie_name(req.pk), path=COOKIE_PATH, samesite="Strict")
    return response


@staff_required(Role.CUSTODIAN)
def keys(request: HttpRequest, new: dict[str, Any] | None = None) -> HttpResponse:
    return render(request, "vault/keys.html", {
        "status": sealing.key_status(), "rotate_form": PassphraseForm(prefix="rotate"),
        "add_form": AddPassphraseForm(prefix="add"), "sudo": sudo_active(request), "new": new,
    })


@require_POST
@staff_required(Role.CUSTODIAN)
@sudo_required
def rotate(request: HttpRequest) -> HttpResponse:
    form = PassphraseForm(request.POST, prefix="rotate")
    if form.is_valid():
        try:
            result = services.rotate_keys(actor=Actor.staff(request.user), passphrase=form.cleaned_data["passphrase"])
        except services.VaultError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("New key %(fp)s in use; %(n)d sealed values re-sealed.")
                             % {"fp": result.fingerprint, "n": sum(result.counts.values())})
    return HttpResponseRedirect("/staff/vault/keys/")


@require_POST
@staff_required(Role.CUSTODIAN)
@sudo_required
def add_passphrase(request: HttpRequest) -> HttpResponseBase:
    form = AddPassphraseForm(request.POST, prefix="add")
    if not form.is_valid():
        messages.error(request, _("Enter your passphrase and a label."))
        return HttpResponseRedirect("/staff/vault/keys/")
    try:
        passphrase = services.add_custodian_passphrase(actor=Actor.staff(request.user),
                                                       existing=form.cleaned_data["passphrase"],
                                                       label=form.cleaned_data["label"])
    except services.VaultError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect("/staff/vault/keys/")
    return keys(request, new={"label": form.cleaned_data["label"], "passphrase": passphrase})
