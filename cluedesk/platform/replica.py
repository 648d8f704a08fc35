"""Read-only statistics pages on a read replica (``DATABASE_REPLICA_URL``).

Only code inside ``replica_reads()`` (or a view decorated with ``on_replica``) reads from the
replica; everything else, and every write, goes to the primary. The supervision dashboard and the
bulletins use it: they read the facts table, which the worker rebuilds on the primary, so a replica
a few seconds behind shows the same figures. Sign-in, sessions and the jobs never read from it
(they read what they have just written). Without ``DATABASE_REPLICA_URL`` the router is not
installed and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("cluedesk_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def on_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"  # also for a row that was read from the replica

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA
