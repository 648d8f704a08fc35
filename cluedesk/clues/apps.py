from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "cluedesk.clues"
    label = "clues"
