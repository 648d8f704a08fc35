from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "cluedesk.compliance"
    label = "compliance"
