from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "cluedesk.intake"
    label = "intake"
