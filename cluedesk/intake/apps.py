from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "cluedesk.intake"
    label = "intake"

    def ready(self) -> None:
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)
