from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "cluedesk.ledger"
    label = "ledger"

    def ready(self) -> None:
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)
