from django.apps import AppConfig

from .datafolder import prepare


class PlatformConfig(AppConfig):
    name = "cluedesk.platform"
    label = "platform"

    def ready(self) -> None:
        prepare()  # the data folders and the server secret, before any command or request runs
