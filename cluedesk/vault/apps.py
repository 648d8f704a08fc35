from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "cluedesk.vault"
    label = "vault"
