from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "cluedesk.rectify"
    label = "rectify"
