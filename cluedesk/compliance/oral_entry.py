"""The oral part of the staff entry form (``/staff/reports/new/``), read by
``cluedesk.compliance.staff_views.report_new`` and checked before anything is saved; the report and
its oral record are then kept together by ``services.enter_report``.

For a meeting the form must say how the conversation is kept, for a phone call it may: a
recording, with the reporter's consent and the recording attached (``oral-recording``), or
minutes the reporter will check with the tracking code. A letter has neither. (A phone call may
still be typed in as the report text alone, as before this app existed.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import OralForm
from .models import OralRecord

ORAL_CHANNELS = ("phone", "meeting")
RECORDING_FIELD = "oral-recording"


@dataclass
class OralEntry:
    kind: str = ""
    minutes: str = ""
    consent: bool = False
    recording: Any = None  # the upload, stored with the report's files


def form(request: HttpRequest | None = None) -> OralForm:
    return OralForm(request.POST if request is not None and request.method == "POST" else None, prefix="oral")


def read(request: HttpRequest, channel: str) -> OralEntry:
    """The oral entry as sent, checked; ComplianceError (field → messages) when it cannot be kept."""
    f = form(request)
    f.is_valid()
    d = f.cleaned_data
    kind = d.get("kind") or ""
    recordings = request.FILES.getlist(RECORDING_FIELD)
    if channel not in ORAL_CHANNELS:
        if kind or recordings:
            raise services.ComplianceError({"kind": [_("A letter is not recorded or minuted: choose “phone call” "
                                                       "or “meeting”, or clear the oral part.")]})
        return OralEntry()
    if not kind and channel == "meeting":
        raise services.ComplianceError({"kind": [_("For a meeting, say whether it was recorded with the reporter's "
                                                   "consent or minutes were kept.")]})
    if not kind:
        if recordings:
            raise services.ComplianceError({"kind": [_("A recording is attached: tick that the reporter consented "
                                                       "to it, or remove it.")]})
        return OralEntry()  # a phone call typed in as the report text, with nothing kept besides
    if len(recordings) > 1:
        raise services.ComplianceError({"recording": [_("Attach one recording.")]})
    if kind == OralRecord.Kind.MINUTES and recordings:
        raise services.ComplianceError({"recording": [_("Minutes were chosen: attach the recording only when the "
                                                        "reporter consented to one.")]})
    services.validate_oral(kind, consent=bool(d.get("consent")), minutes=d.get("minutes", ""),
                           has_recording=bool(recordings))
    if kind == OralRecord.Kind.RECORDING:
        return OralEntry(kind=kind, consent=True, recording=recordings[0])
    return OralEntry(kind=kind, minutes=str(d.get("minutes", "")))
