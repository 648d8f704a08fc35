from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "cluedesk.ops"
    label = "ops"

    def ready(self) -> None:
        from . import keycheck, periodic  # noqa: F401  (this app's periodic jobs; the key record follows rotations)
