from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "cluedesk.ledger"
    label = "ledger"
