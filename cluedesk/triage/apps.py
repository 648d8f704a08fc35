from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "cluedesk.triage"
    label = "triage"
