"""What the staff layout needs on every page: which links the signed-in person may follow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cluedesk.org.access import roles_for, roles_of


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/staff/"):
        return {}
    roles = roles_of(user)
    return {"nav": {
        "intake": bool(roles & {"intake_reviewer", "dispatcher"}),
        # the queue of reports awaiting triage (cluedesk.triage: the "triage" action)
        "triage": bool(roles & roles_for("triage")),
        "poster": bool(roles & {"intake_reviewer", "dispatcher", "admin", "supervisor"}),
        "supervision": bool(roles & {"supervisor", "auditor"}),
        # registers (cluedesk.cases, cluedesk.rectify) and the reporting-line settings (compliance, records)
        "cases": bool(roles & {"dispatcher", "verifier", "signatory_1", "signatory_2", "signatory_3",
                               "supervisor", "auditor", "admin"}),
        "rectify": bool(roles & {"supervisor", "auditor", "industry_liaison", "admin", "dispatcher"}),
        "compliance": bool(roles & {"supervisor", "auditor", "admin"}),
        "records": bool(roles & {"admin", "custodian", "auditor"}),
    }}
