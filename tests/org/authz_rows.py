"""Authorization matrix rows for cluedesk.org (see tests/authz.py)."""

from __future__ import annotations

from tests.authz import ANY_STAFF, Row


def _unit(w, inside):
    return w.county if inside else w.other_county


def _member(w, inside):
    return (w.staff if inside else w.other_staff)["auditor"]


ROWS = [
    Row("staff/", roles=ANY_STAFF),
    Row("staff/sudo/", roles=ANY_STAFF),
    Row("staff/divisions/search/", roles=ANY_STAFF),
    Row("staff/units/", roles={"admin"}),
    Row("staff/units/<int:unit_id>/", roles={"admin"}, url=lambda w, i: f"/staff/units/{_unit(w, i).pk}/"),
    Row("staff/units/<int:unit_id>/members/add/", method="POST", roles={"admin"},
        url=lambda w, i: f"/staff/units/{_unit(w, i).pk}/members/add/",
        data=lambda w: {"username": "matrix.newcomer", "full_name": "Matrix Newcomer", "roles": ["verifier"]}),
    Row("staff/units/<int:unit_id>/members/<int:user_id>/roles/", method="POST", roles={"admin"},
        url=lambda w, i: f"/staff/units/{_unit(w, i).pk}/members/{_member(w, i).pk}/roles/",
        data=lambda w: {"roles": ["auditor", "verifier"]}),
    Row("staff/units/<int:unit_id>/members/<int:user_id>/remove/", method="POST", roles={"admin"},
        url=lambda w, i: f"/staff/units/{_unit(w, i).pk}/members/{_member(w, i).pk}/remove/"),
]

# The sign-in steps are open to anyone by design (each checks its own state); logout only ends
# the caller's own session.
PUBLIC = ["staff/login/", "staff/login/code/", "staff/login/enrol/", "staff/logout/"]
