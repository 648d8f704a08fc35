"""Labels of the ledger events shown in a clue's history, in the reader's language.

The clues app registers them in the registry store "event_labels" (``CluesConfig.ready()``); the
clue page reads that store, so an app above (triage, disclosure) adds its own labels the same
way, and so do the apps below it whose events land on a clue (compliance, records,
supervision, rectify).
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
}
