"""Authorization matrix rows for cluedesk.intake (see tests/authz.py)."""

from __future__ import annotations

from tests.authz import Row

ROWS = [
    Row("staff/reports/new/", roles={"intake_reviewer", "dispatcher"}, ok=(200,)),
    Row("staff/reports/new/", method="POST", roles={"intake_reviewer", "dispatcher"}, ok=(201, 200),
        data=lambda w: {"channel": "phone", "text": "电话举报：有人在镇上开设赌场，长期聚众赌博。",
                        "place_text": "湖南省长沙市浏阳市"}),
    Row("staff/poster/", roles={"intake_reviewer", "dispatcher", "admin", "supervisor"}, ok=(200,)),
]
# The channel API authenticates channels by their own bearer tokens, not staff sessions.
PUBLIC = ["api/v1/reports", "api/v1/reports/status", "api/v1/reports/messages"]
