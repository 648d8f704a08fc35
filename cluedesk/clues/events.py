"""Labels of the ledger events shown in a clue's history, in the reader's language.

The clues app registers them in the registry store "event_labels" (``CluesConfig.ready()``); the
clue page reads that store, so an app above (triage, disclosure) adds its own labels the same
way. The other apps' events named here are kept as names only: clues imports none of them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

EVENT_LABELS: dict[str, Any] = {
    "report.submitted": gettext_lazy("Report received"),
    "report.triaged": gettext_lazy("Report triaged: grouped onto a clue"),
    "report.message_added": gettext_lazy("The reporter added information"),
    "report.message_posted": gettext_lazy("Message sent to the reporter"),
    "public_step.recorded": gettext_lazy("Public step shown to the reporter"),
    "clue.file_opened": gettext_lazy("Opened a file the reporter sent"),
    "clue.replies_read": gettext_lazy("Read the reporter's new messages"),
    # other apps' events on a clue or its reports (their names only: clues imports none of them)
    "compliance.clock_missed": gettext_lazy("Reporter deadline missed (acknowledgement or feedback)"),
    "compliance.clock_reminded": gettext_lazy("Reminder: a reporter deadline is near"),
    "compliance.feedback_extended": gettext_lazy("Feedback deadline extended"),
    "compliance.oral_recorded": gettext_lazy("Oral report recorded"),
    "compliance.minutes_confirmed": gettext_lazy("The reporter confirmed the minutes"),
    "compliance.minutes_corrected": gettext_lazy("The reporter corrected the minutes"),
    "records.purged": gettext_lazy("Personal data deleted under the retention rules"),
    "records.hold_placed": gettext_lazy("Legal hold placed"),
    "records.hold_released": gettext_lazy("Legal hold released"),
    "supervision.escalate": gettext_lazy("Escalated by supervision"),
    "supervision.close": gettext_lazy("Supervision flag closed"),
    "sample.check": gettext_lazy("Checked in the monthly random sample"),
    "round.handover": gettext_lazy("Handed over to an inspection round"),
    "rectify.transfer_to": gettext_lazy("Transferred to an industry authority"),
    "rectify.transfer_from": gettext_lazy("Received from an industry authority"),
}
