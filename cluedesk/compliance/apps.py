"""Legal clocks (acknowledgment, feedback) and their compliance report; oral reports and the staff
entry of phone calls, meetings and letters (issue 11). (The deployment profile: cluedesk.deployment.)"""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from cluedesk.org.actions import define_action
from cluedesk.platform.registry import registry

# the clue page's history names this app's events on a clue (registry store "event_labels")
EVENT_LABELS = {
    "compliance.clock_missed": gettext_lazy("Reporter deadline missed (acknowledgement or feedback)"),
    "compliance.clock_reminded": gettext_lazy("Reminder: a reporter deadline is near"),
    "compliance.feedback_extended": gettext_lazy("Feedback deadline extended"),
    "compliance.oral_recorded": gettext_lazy("Oral report recorded"),
    "compliance.minutes_confirmed": gettext_lazy("The reporter confirmed the minutes"),
    "compliance.minutes_corrected": gettext_lazy("The reporter corrected the minutes"),
}


class ComplianceConfig(AppConfig):
    name = "cluedesk.compliance"
    label = "compliance"

    def ready(self) -> None:
        registry["event_labels"].update(EVENT_LABELS)
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)
        from .status_panels import PANELS

        for entry in PANELS:  # one entry each, however often ready() runs
            if entry not in registry["status_panels"]:
                registry["status_panels"].append(entry)

        # the compliance report and the clocks list: those who supervise, audit or run a unit, and
        # the dispatcher who can act on a clock; extending a feedback deadline is an act of
        # dispatch or supervision; oral records are read by those who handle reports
        define_action("compliance_view", "supervisor", "auditor", "admin", "dispatcher")
        define_action("extend_feedback", "supervisor", "dispatcher")
        define_action("oral_view", "intake_reviewer", "dispatcher", "verifier", "supervisor", "auditor")
