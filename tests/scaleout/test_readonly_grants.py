"""Read-only roles for the replica (issue 23, finding 5): `cluedesk grant-readonly` gives SELECT on
every table and on the tables made later; a role that does not exist is named and nothing is done.
PostgreSQL only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles and grants are PostgreSQL's"),
]
ROLE = "cluedesk_ro_test"


@pytest.fixture
def role():
    with connection.cursor() as cur:
        cur.execute(f"DROP OWNED BY {ROLE}" if _exists() else "SELECT 1")
        cur.execute(f"DROP ROLE IF EXISTS {ROLE}")
        cur.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    yield ROLE
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS cluedesk_later_table")
        cur.execute(f"DROP OWNED BY {ROLE}")
        cur.execute(f"DROP ROLE IF EXISTS {ROLE}")


def _exists() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        return cur.fetchone() is not None


def _can_read(table: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT has_table_privilege(%s, %s, 'SELECT')", [ROLE, table])
        return bool(cur.fetchone()[0])


def test_a_role_reads_every_table_now_and_later_and_writes_none(role) -> None:
    assert not _can_read("intake_report")
    call_command("grant-readonly", role, stdout=io.StringIO())
    assert _can_read("intake_report") and _can_read("ledger_event")
    with connection.cursor() as cur:
        cur.execute("SELECT has_table_privilege(%s, 'intake_report', 'INSERT')", [role])
        assert cur.fetchone()[0] is False
        cur.execute("CREATE TABLE cluedesk_later_table (id int)")  # as a migration would, later
    assert _can_read("cluedesk_later_table")


def test_an_unknown_role_is_named_and_nothing_is_granted(role) -> None:
    with pytest.raises(CommandError, match="no PostgreSQL role nobody_here"):
        call_command("grant-readonly", role, "nobody_here", stdout=io.StringIO())
    assert not _can_read("intake_report")
