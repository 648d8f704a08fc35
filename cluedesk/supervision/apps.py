from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "cluedesk.supervision"
    label = "supervision"

    def ready(self) -> None:
        from cluedesk.org.access import define_action

        from . import periodic  # noqa: F401  (registers this app's periodic jobs)

        # who may read the figures and lists: supervisors and auditors (and the national office
        # by its territory); checking a sampled conclusion is the auditors' act
        define_action("supervision_view", "supervisor", "auditor")
        define_action("sample_check", "auditor")
