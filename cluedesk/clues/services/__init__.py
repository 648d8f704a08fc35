"""The verbs of a clue's lifecycle. Each one: lock the clue (``select_for_update``), ask the
transitions table (``workflow.check``), change rows, write exactly one ledger event, and add a
public step for the reporter when the change is public — all in one transaction.

A verb repeated after it already happened (a double click, a retried request) returns
``Outcome(changed=False)`` and writes nothing. A form built on an older version of the clue is
refused with ``StaleForm`` naming the current state. Every refusal is a ``WorkflowError`` whose
message is in the actor's language, and leaves nothing written.

The verbs live in one module per stage of the lifecycle (``framing`` is the frame they all run
in: ``screening``, ``dispatch``, ``verification``, ``conclusion``, ``review``, ``replies``); this
package is their one face, so callers write ``services.assign(…)`` whatever module holds it.
"""

from __future__ import annotations

from ..workflow import IllegalTransition, InvalidInput, NotAllowed, StaleForm, WorkflowError
from .conclusion import CONCLUSION_FIELDS, conclude, draft_conclusion, edit_conclusion, refuse_signature, sign
from .dispatch import assign, assignment_options, reassign
from .framing import Outcome, describe_state
from .replies import mark_replies_read
from .review import AccountabilityInput, record_accountability, review_keep, review_reopen
from .screening import flag_implicated, merge, screen_invalid, screen_valid, transfer
from .verification import (
    add_evidence,
    add_note,
    deadline_delta_days,
    decide_extension,
    evidence_path,
    request_extension,
    start_verification,
)

__all__ = [
    "Outcome", "WorkflowError", "IllegalTransition", "StaleForm", "NotAllowed", "InvalidInput",
    "screen_valid", "screen_invalid", "transfer", "merge", "flag_implicated", "assign", "reassign",
    "start_verification", "add_note", "add_evidence", "request_extension", "decide_extension",
    "draft_conclusion", "edit_conclusion", "sign", "refuse_signature", "conclude", "review_keep",
    "review_reopen", "record_accountability", "assignment_options", "AccountabilityInput",
    "CONCLUSION_FIELDS", "deadline_delta_days", "describe_state", "evidence_path", "mark_replies_read",
]
