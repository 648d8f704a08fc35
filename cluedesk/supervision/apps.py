from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from cluedesk.org.actions import define_action
from cluedesk.platform.registry import registry

# the clue page's history names this app's events on a clue (registry store "event_labels")
EVENT_LABELS = {
    "supervision.escalate": gettext_lazy("Escalated by supervision"),
    "supervision.close": gettext_lazy("Supervision flag closed"),
    "sample.check": gettext_lazy("Checked in the monthly random sample"),
    "round.handover": gettext_lazy("Handed over to an inspection round"),
}


class SupervisionConfig(AppConfig):
    name = "cluedesk.supervision"
    label = "supervision"

    def ready(self) -> None:
        registry["event_labels"].update(EVENT_LABELS)
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)

        # who may read the figures and lists: supervisors and auditors (and the national office
        # by its territory); checking a sampled conclusion is the auditors' act
        define_action("supervision_view", "supervisor", "auditor")
        define_action("sample_check", "auditor")
