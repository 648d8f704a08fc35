"""Retention with proof of deletion, legal holds, and safe published statistics (issue 11)."""
from django.apps import AppConfig

from cluedesk.org.actions import define_action
from cluedesk.platform.registry import registry

READ_ROLES = ("admin", "custodian", "auditor")
WRITE_ROLES = ("admin", "custodian")


class RecordsConfig(AppConfig):
    name = "cluedesk.records"
    label = "records"

    def ready(self) -> None:
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)

        define_action("records_view", *READ_ROLES)
        define_action("records_manage", *WRITE_ROLES)
        define_action("statistics_publish", "admin")

        from . import policy

        # an admin's retention periods are refused below the retention job's legal minimum
        if policy.check_profile not in registry["profile_validators"]:
            registry["profile_validators"].append(policy.check_profile)
