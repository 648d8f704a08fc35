"""What the clues app tells the apps above it, without importing them.

``clue_merged`` is sent inside the ``merge`` verb's transaction, once the merged clue's reports are
on the target and before the verb's ledger event: triage moves its same-matter index and keeps the
pair as labelled data, committing with the merge or not at all. Receivers are connected in their
app's ``AppConfig.ready()``.
"""

from __future__ import annotations

from django.dispatch import Signal

# sender: the Clue class; arguments: clue (merged away), target (the clue it went into), acting_user
clue_merged = Signal()
