"""Same-matter grouping at intake.

``attach_or_open(report)`` runs inside ``intake.services.submit_report``'s transaction and
writes no ledger event of its own: the submission's event carries its decision.
This first version opens one clue per report; the triage engine replaces the body.
"""

from __future__ import annotations

from typing import Any

from cluedesk.clues.models import Clue


def attach_or_open(report: Any) -> tuple[Clue, dict[str, Any]]:
    """Return the clue the report belongs to and a decision record for the ledger event."""
    clue = Clue.objects.create(division=getattr(report, "division", None), report_count=1)
    return clue, {"clue": clue.public_id, "decision": "opened"}
