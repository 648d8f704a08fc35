"""What the reporter sees of the clue's lifecycle: public steps in public wording, nothing else.

Called inside a verb's transaction; writes no ledger event of its own (the verb's event covers
it). Only the fixed public step kinds and text written for the public reach here: notes,
evidence, units and names never do.
"""

from __future__ import annotations

from typing import Any


def announce(clue: Any, kind: str, outcome: str) -> None:
    """Append a public step on the clue: every report of the clue shows it."""
    try:
        from cluedesk.intake import services as intake_services
    except ImportError:  # intake not built yet in this tree
        intake_services = None
    record_public_step = getattr(intake_services, "record_public_step", None)
    if record_public_step is not None:
        record_public_step(clue=clue, kind=kind, outcome=outcome)
        return
    from cluedesk.intake.models import PublicStep

    PublicStep.objects.create(clue=clue, kind=kind, outcome=outcome)


def move_reports(source: Any, target: Any) -> int:
    """Move every report of ``source`` to ``target`` (a merge); returns how many moved."""
    from cluedesk.intake.models import Report

    return Report.objects.filter(clue=source).update(clue=target)
