"""/readyz: ready when the primary answers; the read replica reported beside it (issue 23, item 4)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections

from cluedesk.platform.replica import REPLICA

pytestmark = pytest.mark.django_db


@pytest.fixture
def replica(monkeypatch) -> Iterator[dict[str, bool]]:
    """A replica alias configured for the length of a test, answering as ``state["up"]`` says.
    (Django's test case forbids opening a connection to an alias it did not set up, so the
    replica's answer is the one thing stubbed; the primary's check below is real.)"""
    from cluedesk.web import views

    state = {"up": True}
    real = views._answers
    monkeypatch.setattr(views, "_answers", lambda alias: state["up"] if alias == REPLICA else real(alias))
    connections.settings[REPLICA] = dict(connections.settings["default"])
    try:
        yield state
    finally:
        del connections.settings[REPLICA]


def test_without_a_replica_nothing_is_said_of_one(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_a_replica_that_answers_is_up(client, replica) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "replica": "up"}


def test_a_replica_that_is_down_is_said_but_the_node_stays_ready(client, replica) -> None:
    replica["up"] = False
    response = client.get("/readyz")
    assert response.status_code == 200  # reporters and staff are served from the primary
    assert response.json() == {"status": "degraded", "database": "up", "replica": "down"}


def test_primary_down_is_503_with_retry_after(client, monkeypatch) -> None:
    from cluedesk.web import views

    monkeypatch.setattr(views, "_answers", lambda alias: False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["database"] == "down"
