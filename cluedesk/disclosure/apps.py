"""The custodian workflow's pages: a verifier asks to know who reported, a custodian decides, the
identity is opened once (the keys and the sealing stay in ``cluedesk.vault``, below clues)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from cluedesk.platform.registry import registry

# the clue page's history names the steps of the workflow (the vault's service records them)
EVENT_LABELS = {
    "vault.disclosure_requested": gettext_lazy("Identity disclosure requested"),
    "vault.disclosure_approved": gettext_lazy("Identity disclosure approved"),
    "vault.disclosure_refused": gettext_lazy("Identity disclosure refused"),
    "vault.identity_viewed": gettext_lazy("Reporter's identity viewed"),
}


class DisclosureConfig(AppConfig):
    name = "cluedesk.disclosure"
    label = "disclosure"

    def ready(self) -> None:
        registry["event_labels"].update(EVENT_LABELS)
