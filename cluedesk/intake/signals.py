"""What intake tells the apps above it, without importing them.

``report_submitted`` is sent inside the submission's transaction, after the report's rows and
before its ledger event. A receiver that writes (triage enqueues its ``attach_report`` task: a
transactional outbox on the task queue) commits with the report or not at all; a receiver that
raises rolls the submission back. Receivers are connected in their app's ``AppConfig.ready()``.
Keep them short: every submission waits for them, and on SQLite so does every other writer.
"""

from __future__ import annotations

from django.dispatch import Signal

# sender: the Report class; arguments: report (the saved Report)
report_submitted = Signal()
