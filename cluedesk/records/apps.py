from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "cluedesk.records"
    label = "records"
