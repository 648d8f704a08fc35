from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "cluedesk.ops"
    label = "ops"

    def ready(self) -> None:
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)
