from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "cluedesk.triage"
    label = "triage"

    def ready(self) -> None:
        from cluedesk.clues.views import register_similar_finder
        from cluedesk.intake.signals import report_submitted

        from . import (
            periodic,  # noqa: F401  (registers this app's periodic jobs)
            services,
            tasks,
        )

        report_submitted.connect(tasks.enqueue_for, dispatch_uid="triage.attach_report")
        register_similar_finder(services.similar_clues)
