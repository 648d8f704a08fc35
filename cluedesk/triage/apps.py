from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from cluedesk.clues.signals import clue_merged
from cluedesk.intake.signals import report_submitted
from cluedesk.org.actions import Role, define_action
from cluedesk.platform.registry import registry

# the clue page's history names these events
EVENT_LABELS = {
    "triage.labels_corrected": gettext_lazy("Triage labels corrected by staff"),
    "triage.place_corrected": gettext_lazy("Place corrected by staff"),
    "triage.report_split": gettext_lazy("A report was split off into a new clue"),
}


class TriageConfig(AppConfig):
    name = "cluedesk.triage"
    label = "triage"

    def ready(self) -> None:
        from . import (
            labels,
            panel,
            periodic,  # noqa: F401  (registers this app's periodic jobs)
            services,
            tasks,
        )

        # triage the reports on the queue, and group them into clues: intake reviewers and dispatchers
        define_action("triage", Role.INTAKE_REVIEWER, Role.DISPATCHER)
        report_submitted.connect(tasks.enqueue_for, dispatch_uid="triage.attach_report")
        clue_merged.connect(services.follow_merge, dispatch_uid="triage.follow_merge")
        if services.similar_clues not in registry["similar_finders"]:
            registry["similar_finders"].append(services.similar_clues)
        if (20, panel.clue_panel) not in registry["clue_panels"]:
            registry["clue_panels"].append((20, panel.clue_panel))
        registry["event_labels"].update(EVENT_LABELS)
        registry["taxonomy"].update({"label": labels.label, "choices": labels.choices})
