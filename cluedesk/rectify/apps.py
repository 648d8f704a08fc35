"""Registers of special supervision lists, industry rectification letters and annual key tasks (issue 8, items 4-6)."""
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from cluedesk.org.actions import define_action
from cluedesk.platform.registry import registry
from cluedesk.triage.signals import report_triaged

# the clue page's history names this app's events on a clue (registry store "event_labels")
EVENT_LABELS = {
    "rectify.transfer_to": gettext_lazy("Transferred to an industry authority"),
    "rectify.transfer_from": gettext_lazy("Received from an industry authority"),
}


def clue_triaged(sender: Any, report: Any, clue: Any, **kwargs: Any) -> None:
    """A transfer received from an industry authority gets its clue once triage has grouped the
    report it entered intake as (in triage's transaction)."""
    from .models import Transfer

    if report.channel.startswith("industry:"):
        Transfer.objects.filter(report=report, clue__isnull=True).update(clue=clue)


class RectifyConfig(AppConfig):
    name = "cluedesk.rectify"
    label = "rectify"

    def ready(self) -> None:
        registry["event_labels"].update(EVENT_LABELS)
        report_triaged.connect(clue_triaged, dispatch_uid="rectify.transfer_clue")

        # read the registers: the supervising side, auditors, unit admins, dispatchers and liaisons
        define_action("rectify_view", "supervisor", "auditor", "admin", "dispatcher", "industry_liaison")
        # write them (lists, letters, transfers, key tasks): supervisors and unit admins
        define_action("rectify_manage", "supervisor", "admin")
        # verify or reopen a rectified item: supervisors only (never the one who submitted it)
        define_action("rectify_verify", "supervisor")
        # the owner unit's side: start rectifying, submit evidence (membership of the owner checked)
        define_action("rectify_submit", "supervisor", "admin", "dispatcher", "industry_liaison")
        # answer a letter: the recipient industry authority's liaison or admin
        define_action("letter_answer", "industry_liaison", "admin")
        # this register's figures on the supervision dashboard (supervision reads the registry)
        from . import panels

        if panels.dashboard_panel not in registry["dashboard_panels"]:
            registry["dashboard_panels"].append(panels.dashboard_panel)
