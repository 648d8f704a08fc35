"""The deployment profile: which reporting line this install runs, read by every app above it."""
from django.apps import AppConfig


class DeploymentConfig(AppConfig):
    name = "cluedesk.deployment"
    label = "deployment"
