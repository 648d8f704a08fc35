"""Legal clocks (acknowledgment, feedback) and their compliance report; oral reports and the staff
entry of phone calls, meetings and letters (issue 11). (The deployment profile: cluedesk.deployment.)"""
from django.apps import AppConfig

from cluedesk.org.actions import define_action


class ComplianceConfig(AppConfig):
    name = "cluedesk.compliance"
    label = "compliance"

    def ready(self) -> None:
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)

        # the compliance report and the clocks list: those who supervise, audit or run a unit, and
        # the dispatcher who can act on a clock; extending a feedback deadline is an act of
        # dispatch or supervision; oral records are read by those who handle reports
        define_action("compliance_view", "supervisor", "auditor", "admin", "dispatcher")
        define_action("extend_feedback", "supervisor", "dispatcher")
        define_action("oral_view", "intake_reviewer", "dispatcher", "verifier", "supervisor", "auditor")
