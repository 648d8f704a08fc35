"""What the reporter sees of the clue's lifecycle: public steps in public wording, nothing else.

Called inside a verb's transaction. It writes the ``intake.PublicStep`` row itself rather than
through ``intake.services.record_public_step``, because that service writes a ledger event of
its own and a verb writes exactly one: the verb's event carries the step (kind and wording).
Only the fixed public step kinds and text written for the public reach here: notes, evidence,
unit names and people never do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cluedesk.intake.models import PublicStep, Report
from cluedesk.intake.services import clean_text
from cluedesk.vault import content


def _clean(text: str) -> str:
    return str(clean_text(text))


def announce(clue: Any, kind: str, outcome: str) -> dict[str, Any]:
    """Add a public step on the clue (every report of the clue shows it); returns it for the event."""
    if kind not in PublicStep.Kind.values:
        raise ValueError(f"unknown public step {kind!r}")
    step = PublicStep.objects.create(clue=clue, kind=kind, outcome=_clean(outcome))
    return {"step": step.pk, "kind": kind, "digest": content.digest(step.outcome)}


def announce_reports(report_ids: Iterable[int], kind: str, outcome: str) -> dict[str, Any]:
    """Add a public step on each of these reports only (e.g. the reports moved by a merge)."""
    text = _clean(outcome)
    steps = PublicStep.objects.bulk_create([PublicStep(report_id=r, kind=kind, outcome=text) for r in report_ids])
    return {"steps": [s.pk for s in steps], "kind": kind, "digest": content.digest(text)}


def report_ids(clue: Any) -> list[int]:
    return list(Report.objects.filter(clue=clue).values_list("pk", flat=True))


def move_reports(source: Any, target: Any) -> int:
    """Move every report of ``source`` to ``target`` (a merge); returns how many moved."""
    return Report.objects.filter(clue=source).update(clue=target)
