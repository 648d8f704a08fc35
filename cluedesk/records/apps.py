"""Retention with proof of deletion, legal holds, and safe published statistics (issue 11)."""
from django.apps import AppConfig

READ_ROLES = ("admin", "custodian", "auditor")
WRITE_ROLES = ("admin", "custodian")


class RecordsConfig(AppConfig):
    name = "cluedesk.records"
    label = "records"

    def ready(self) -> None:
        from cluedesk.org.access import define_action

        define_action("records_view", *READ_ROLES)
        define_action("records_manage", *WRITE_ROLES)
        define_action("statistics_publish", "admin")

        import datetime as dt

        from cluedesk.supervision import jobs

        from . import statistics

        # freeze the months that have ended and publish a new edition of their year's statistics
        jobs.JOBS.setdefault("statistics", (statistics.job, dt.timedelta(hours=1)))
