"""schemathesis over the whole OpenAPI document (/api/openapi.json), in process (WSGI).

Every operation gets generated valid and invalid input, with a real channel token (and, for
the negative side, with none). The checks: no 5xx, every status documented, every response body
matching its documented schema, the documented content type. The number of examples per
operation is CLUEDESK_SCHEMATHESIS_EXAMPLES (default 40; the closing note's run used 500).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from cluedesk.wsgi import application

EXAMPLES = int(os.environ.get("CLUEDESK_SCHEMATHESIS_EXAMPLES", "40"))

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance]


@pytest.fixture
def token(db) -> str:
    from cluedesk.intake.services import create_channel_token
    from cluedesk.ledger.services import Actor

    return create_channel_token("schemathesis", actor=Actor.system("test"))


@pytest.fixture(autouse=True)
def _generous_limits(settings) -> None:  # noqa: PT004 - the rate limits are tested elsewhere
    settings.CLUEDESK_RATE_SUBMIT = 10**9
    settings.CLUEDESK_RATE_LOOKUP = 10**9


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_every_generated_request_within_its_contract(case, token) -> None:
    headers = dict(case.headers or {})
    if "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {token}"
    case.call_and_validate(headers=headers, checks=CHECKS)
