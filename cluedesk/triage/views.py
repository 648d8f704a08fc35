"""Staff pages of triage: the queue of reports awaiting triage, and corrections on the clue page
(the triage card's form and "split off" buttons).

The awaiting-triage queue lists reports stored and not yet on a clue (metadata only: never their
text), oldest first, scoped by the report's division like any staff list (a report naming no
place is visible to national staff only), with the lag warning of ``lag.measure``.

HTMX posts get the card back (200, with the message or the refusal in it: htmx swaps no 4xx
answer). Without JavaScript a success goes back to the clue page (303) and a refusal shows the
clue page with the reason (400). Out of scope → 404; in scope without the "triage" action → 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cluedesk.clues.models import Clue
from cluedesk.clues.views import clue_page
from cluedesk.intake.models import Report
from cluedesk.org.access import get_visible_or_404, roles_for, staff_required, visible_to
from cluedesk.platform.ages import age_text

from . import lag
from .corrections import correct
from .forms import CorrectionForm
from .panel import card_context
from .services import TriageError, awaiting_triage, split_report

FAILED_FORM_ATTR = "_triage_failed_form"  # read by the card's template tag on a refused POST
TRIAGE_ROLES = tuple(sorted(roles_for("triage")))
AWAITING_PAGE_SIZE = 50
# what the queue shows of a report: metadata, never the text, the place as written or the identity
AWAITING_FIELDS = ("pk", "created_at", "channel", "channel_ref", "division_id", "division__name")


@require_GET
@staff_required(*TRIAGE_ROLES)
def awaiting_view(request: HttpRequest) -> HttpResponse:
    """Reports stored and not yet on a clue, in the person's territory, oldest first."""
    waiting = visible_to(request.user, awaiting_triage(), "triage")
    measured = lag.measure(waiting)
    page = Paginator(waiting.order_by("created_at", "pk").values(*AWAITING_FIELDS),
                     AWAITING_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{**r, "age": age_text((measured.now - r["created_at"]).total_seconds()),
             "late": (measured.now - r["created_at"]).total_seconds() > measured.limit} for r in page.object_list]
    return render(request, "triage/awaiting.html", {"page": page, "rows": rows, "lag": measured})


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _triage_clue(request: HttpRequest, public_id: str) -> Clue:
    clue: Clue = get_visible_or_404(request.user, Clue.objects.select_related("division"), "triage",
                                    public_id=public_id)
    return clue


def _back(clue: Clue) -> HttpResponse:
    response = redirect(f"/staff/clues/{clue.public_id}/#triage-card")
    response.status_code = 303
    return response


def _refused(request: HttpRequest, clue: Clue, error: str, form: CorrectionForm | None = None) -> HttpResponse:
    if _is_htmx(request):
        return render(request, "triage/_card.html", card_context(request.user, clue, form=form, error=error))
    if form is not None:
        setattr(request, FAILED_FORM_ATTR, (form, error))
    return clue_page(request, clue, status=400, error=error)


@require_POST
@staff_required()
def correct_view(request: HttpRequest, public_id: str) -> HttpResponse:
    clue = _triage_clue(request, public_id)
    form = CorrectionForm(request.POST, user=request.user, clue=clue)
    if not form.is_valid():
        return _refused(request, clue, _("Please correct the triage form."), form)
    data = form.cleaned_data
    try:
        outcome = correct(clue, acting_user=request.user, category=data["category"], industry=data["industry"],
                          umbrella=data["umbrella"] == "yes", division_code=data["place"] or None)
    except TriageError as exc:
        return _refused(request, clue, str(exc), form)
    done = (_("Saved: triage will no longer change what you corrected.") if outcome.changed
            else _("Nothing changed: it was already so."))
    if _is_htmx(request):
        clue.refresh_from_db()
        # the clue header above shows the same labels: swapped out of band so it does not go stale
        return render(request, "triage/_card.html", {**card_context(request.user, clue, done=done), "oob": True})
    messages.success(request, done) if outcome.changed else messages.info(request, done)
    return _back(clue)


@require_POST
@staff_required()
def split_view(request: HttpRequest, public_id: str, report_id: int) -> HttpResponse:
    clue = _triage_clue(request, public_id)
    report = Report.objects.filter(pk=report_id, clue=clue).first()
    if report is None:
        raise Http404
    try:
        new = split_report(report, acting_user=request.user)
    except TriageError as exc:
        return _refused(request, clue, str(exc))
    messages.success(request, _("Report #%(report)s is now clue %(new)s, split off from %(old)s.")
                     % {"report": report.pk, "new": new.public_id, "old": clue.public_id})
    response = redirect(f"/staff/clues/{new.public_id}/")
    response.status_code = 303
    return response

