from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cluedesk.demo"
    label = "demo"
