"""Retention with proof of deletion, legal holds, and safe published statistics (issue 11)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy

from cluedesk.org.actions import define_action
from cluedesk.platform.registry import registry

# the clue page's history names this app's events on a clue (registry store "event_labels")
EVENT_LABELS = {
    "records.purged": gettext_lazy("Personal data deleted under the retention rules"),
    "records.hold_placed": gettext_lazy("Legal hold placed"),
    "records.hold_released": gettext_lazy("Legal hold released"),
}


READ_ROLES = ("admin", "custodian", "auditor")
WRITE_ROLES = ("admin", "custodian")


class RecordsConfig(AppConfig):
    name = "cluedesk.records"
    label = "records"

    def ready(self) -> None:
        registry["event_labels"].update(EVENT_LABELS)
        from . import periodic  # noqa: F401  (registers this app's periodic jobs)

        define_action("records_view", *READ_ROLES)
        define_action("records_manage", *WRITE_ROLES)
        define_action("statistics_publish", "admin")

        from . import policy

        # an admin's retention periods are refused below the retention job's legal minimum
        if policy.check_profile not in registry["profile_validators"]:
            registry["profile_validators"].append(policy.check_profile)
