from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cluedesk.org"
    label = "org"
