"""What the triage card on the clue page shows (registered in the registry store ``clue_panels``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from cluedesk.analysis.taxonomy import ABSTAIN_SHARE
from cluedesk.clues.conflicts import subtree_ids
from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.intake.models import Report
from cluedesk.org.models import Division

from . import engine, tasks
from .corrections import barred_names
from .models import ClueTriage, LabelCorrection
from .routing import suggest_unit
from .services import CLOSED

TOP_CHARGES = 3
FIELD_LABELS = {"category": _("category"), "industry": _("industry"), "umbrella": _("officials implicated"),
                "division": _("place")}
SNIPPET = 60
# the unit types of implicated officials (stored as the umbrella set writes them), for the card
UNIT_TYPE_LABELS = {
    "公安": _("police"), "检察": _("procuratorate"), "法院": _("court"), "纪检监察": _("discipline inspection"),
    "政府机关": _("government"), "村(社区)两委": _("village or community committee"),
    "自然资源": _("natural resources bureau"), "市场监管": _("market regulation"), "住建": _("housing and construction"),
    "交通": _("transport"), "环保": _("environmental protection"), "金融监管": _("financial regulation"),
    "其他": _("other public body"),
}


def _officials(implicated: list[Any]) -> list[dict[str, Any]]:
    """The implicated officials as the card lists them (rows written before officials were kept
    hold unit names only)."""
    out = []
    for item in implicated or []:
        if isinstance(item, dict):
            kind = str(item.get("unit_type") or "")
            out.append({"who": item.get("who") or "", "unit": item.get("unit") or "",
                        "unit_type": UNIT_TYPE_LABELS.get(kind, kind)})
        elif item:
            out.append({"who": "", "unit": str(item), "unit_type": ""})
    return out


def _charges(scores: dict[str, float]) -> list[dict[str, Any]]:
    """The clue's top charges with their share of the summed scores (0–1)."""
    total = sum(v for v in (scores or {}).values() if v > 0)
    if total <= 0:
        return []
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CHARGES]  # ties by name: jsonb reorders keys
    return [{"name": name, "share": round(v / total, 3), "percent": round(100 * v / total)} for name, v in ranked]


def _suggested(clue: Clue, info: ClueTriage | None) -> Any:
    """The stored suggestion, unless a unit flagged as implicated since then (or one above it)
    rules it out: then the suggestion is made again, never offering an implicated unit."""
    if info is None:
        return None
    flagged = list(ImplicatedUnit.objects.filter(clue=clue).values_list("unit_id", flat=True))
    unit = info.suggested_unit
    if unit is not None and flagged and unit.pk in subtree_ids(flagged):
        unit = suggest_unit(info.division_code, barred_names(clue, info))
    return unit


def charge_model_state() -> str:
    """Why a card has no charge suggestion: "before" when a charge model is there (the clue was
    triaged before it was trained), "training" while a ``train_triage`` task waits or runs (the
    first start queues one), "missing" otherwise."""
    if engine.charge_model_available():  # its file: web processes never load the model itself
        return "before"
    return "training" if tasks.training_queued() else "missing"


def card_context(user: Any, clue: Clue, *, form: Any = None, error: str = "", done: str = "") -> dict[str, Any]:
    from .forms import CorrectionForm

    info = ClueTriage.objects.filter(clue=clue).select_related("suggested_unit", "suggested_unit__division").first()
    may_correct = bool(getattr(user, "is_authenticated", False)
                       and Clue.objects.visible_to(user, "triage").filter(pk=clue.pk).exists())
    triage_place = None
    if info is not None and info.division_code and info.division_code != (clue.division_id or ""):
        triage_place = Division.objects.filter(pk=info.division_code).first()
    reports: list[dict[str, Any]] = []
    may_split = may_correct and clue.state not in CLOSED
    if may_split:
        rows = list(Report.objects.filter(clue=clue).order_by("created_at").values("pk", "created_at", "text")[:100])
        if len(rows) > 1:
            for r in rows:
                text = " ".join((r["text"] or "").split())
                reports.append({"pk": r["pk"], "created_at": r["created_at"],
                                "snippet": text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")})
    corrected = sorted(set(LabelCorrection.objects.filter(clue=clue).values_list("field", flat=True)))
    if may_correct and form is None:
        form = CorrectionForm(user=user, clue=clue)
    charges = _charges(info.charge_scores if info else {})
    charge = info.charge if info else ""
    return {
        "clue": clue, "info": info, "charges": charges, "charge": charge, "triage_place": triage_place,
        "charge_model": charge_model_state() if info is not None and not charges and not charge else "",
        "officials": _officials(info.implicated) if info else [],
        "umbrella_percent": (round(100 * info.umbrella_probability)
                             if info is not None and info.umbrella_probability is not None else None),
        "uncertain": bool(charges) and charges[0]["share"] < ABSTAIN_SHARE,
        "evidence": list(info.evidence or []) if info else [],
        "suggested_unit": _suggested(clue, info), "may_correct": may_correct,
        "corrected_fields": [FIELD_LABELS.get(f, f) for f in corrected],
        "form": form if may_correct else None, "split_reports": reports, "error": error, "done": done,
    }


def clue_panel(request: HttpRequest, clue: Any) -> str:
    """The triage card on a clue's page: what triage found and, for staff allowed to triage it,
    the form to correct it (shown again with its error after a failed correction)."""
    failed = getattr(request, "_triage_failed_form", None)
    if failed is not None:
        form, error = failed
        context = card_context(request.user, clue, form=form, error=error)
    else:
        context = card_context(request.user, clue)
    return render_to_string("triage/_card.html", context, request=request)
