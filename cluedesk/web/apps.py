from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cluedesk.web"
    label = "web"
