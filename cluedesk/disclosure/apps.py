"""The custodian workflow's pages: a verifier asks to know who reported, a custodian decides, the
identity is opened once (the keys and the sealing stay in ``cluedesk.vault``, below clues)."""
from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "cluedesk.disclosure"
    label = "disclosure"
