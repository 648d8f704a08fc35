from django.apps import AppConfig

from cluedesk.org.actions import define_action


class SupervisionConfig(AppConfig):
    name = "cluedesk.supervision"
    label = "supervision"

    def ready(self) -> None:
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)

        # who may read the figures and lists: supervisors and auditors (and the national office
        # by its territory); checking a sampled conclusion is the auditors' act
        define_action("supervision_view", "supervisor", "auditor")
        define_action("sample_check", "auditor")
