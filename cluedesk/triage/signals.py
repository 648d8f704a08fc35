"""What triage tells the apps above it, without importing them.

``report_triaged`` is sent inside ``attach_report``'s transaction, once the report is on its clue
and before the ``report.triaged`` ledger event: a receiver's writes commit with the decision or not
at all. Receivers are connected in their app's ``AppConfig.ready()``.
"""

from __future__ import annotations

from django.dispatch import Signal

# sender: the Report class; arguments: report, clue, decision (the ledger event's data)
report_triaged = Signal()
