from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cluedesk.web"
    label = "web"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
