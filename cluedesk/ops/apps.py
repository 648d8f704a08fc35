from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "cluedesk.ops"
    label = "ops"
