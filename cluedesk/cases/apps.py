from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cluedesk.cases"
    label = "cases"
