from django.apps import AppConfig

from cluedesk.org.actions import define_action
from cluedesk.platform.registry import registry

# Who reads the registers and who keeps them (docs/cases.md): the people who handle clues and
# cases, the signatories, supervisors and auditors read; dispatchers (who route clues into cases),
# supervisors and unit admins write. Intake reviewers, custodians and industry liaisons do not see
# the registers (the registers name suspects, officials and fugitives).
READ_ROLES = ("dispatcher", "verifier", "signatory_1", "signatory_2", "signatory_3", "supervisor", "auditor",
              "admin")
WRITE_ROLES = ("dispatcher", "supervisor", "admin")


class CasesConfig(AppConfig):
    name = "cluedesk.cases"
    label = "cases"

    def ready(self) -> None:
        define_action("cases_view", *READ_ROLES)
        define_action("cases_edit", *WRITE_ROLES)
        # what this register shows on other apps' pages (they read the registry, never this app)
        from . import links, panels

        for store, entry in (("dashboard_panels", panels.dashboard_panel), ("industry_cases", links.industry_cases),
                             ("clue_panels", (10, links.clue_panel))):
            if entry not in registry[store]:  # one entry each, however often ready() runs
                registry[store].append(entry)
