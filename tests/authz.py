"""The row type of the authorization matrix (tests/test_authorization_matrix.py).

Each app lists its staff and API URLs in ``tests/<app>/authz_rows.py``:

    from tests.authz import ANY_STAFF, Row

    ROWS = [
        Row("staff/clues/<str:public_id>/", roles={"intake_reviewer", ...},
            url=lambda w, inside: f"/staff/clues/{(w.clue_in if inside else w.clue_out).public_id}/"),
        Row("staff/clues/<str:public_id>/screen/", method="POST", roles={"intake_reviewer"},
            url=..., data=lambda w: {"outcome": "valid", ...}),
    ]
    PUBLIC = ["staff/login/"]   # routes deliberately open to anyone (sign-in pages, public API)

``route`` is the URL pattern as Django resolves it (``str(pattern)`` joined from the root), so a
new URL without a row fails ``test_every_staff_and_api_route_has_a_row``. ``w`` is the world of
tests/org/factories.py: the requester is ``w.staff[role]`` in the Liuyang county unit; ``inside``
False asks for the same thing in the sibling county (must be 404). ``setup(w)`` may add state
before the request (e.g. a pending request to decide). Sudo is active for every request, so a
refusal is always about scope or role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cluedesk.org.models import Role

ANY_STAFF: frozenset[str] = frozenset(Role.values)


@dataclass
class Row:
    route: str
    roles: frozenset[str] | set[str] = field(default_factory=lambda: ANY_STAFF)
    url: Callable[[Any, bool], str] | None = None
    method: str = "GET"
    data: Callable[[Any], dict[str, Any]] | None = None
    scoped: bool = True          # False: the URL names no object, so there is no "out of scope" case
    ok: tuple[int, ...] = (200, 302)
    api: bool = False            # JSON body; anonymous gets 401 instead of a redirect to sign-in
    setup: Callable[[Any], None] | None = None
    note: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.roles) - ANY_STAFF
        if unknown:
            raise ValueError(f"{self.route}: unknown roles {sorted(unknown)}")
        if self.url is None:
            path = "/" + self.route
            self.url = lambda w, inside: path
            self.scoped = False
        self.roles = frozenset(self.roles)

    @property
    def key(self) -> str:
        return f"{self.method} /{self.route}"
