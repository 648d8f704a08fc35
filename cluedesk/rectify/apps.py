"""Registers of special supervision lists, industry rectification letters and annual key tasks (issue 8, items 4-6)."""
from django.apps import AppConfig


class RectifyConfig(AppConfig):
    name = "cluedesk.rectify"
    label = "rectify"

    def ready(self) -> None:
        from cluedesk.org.access import define_action

        # read the registers: the supervising side, auditors, unit admins, dispatchers and liaisons
        define_action("rectify_view", "supervisor", "auditor", "admin", "dispatcher", "industry_liaison")
        # write them (lists, letters, transfers, key tasks): supervisors and unit admins
        define_action("rectify_manage", "supervisor", "admin")
        # verify or reopen a rectified item: supervisors only (never the one who submitted it)
        define_action("rectify_verify", "supervisor")
        # the owner unit's side: start rectifying, submit evidence (membership of the owner checked)
        define_action("rectify_submit", "supervisor", "admin", "dispatcher", "industry_liaison")
        # answer a letter: the recipient industry authority's liaison or admin
        define_action("letter_answer", "industry_liaison", "admin")
