"""One small registry that apps fill in their ``AppConfig.ready()`` and the layers above read.

Modelled on NetBox's ``netbox.registry``: a fixed set of named stores, created here, filled by the
apps at start-up. It lets a lower layer offer a place to plug in (a job the worker runs, a panel
on a dashboard, a filter a scoping rule applies) without knowing who plugs in, and lets a higher
layer read what was plugged in without importing the apps that did it. No store can be added or
removed after start (a typo in a store's name fails at once instead of creating an empty store).

The stores (what an entry is, who fills it, who reads it):

``jobs``
    name -> :class:`Job`: periodic work the worker runs when due (``cluedesk.ops.jobs``). Filled
    with :func:`system_job` by every app that has periodic work.
``clue_panels``
    ``(order, panel)`` pairs: ``panel(request, clue) -> HTML or ""`` shown on a clue's page in
    ``order`` (cases: the major cases opened from it; triage: the triage card).
``dashboard_panels``
    callables ``(request, division, start, end) -> (template, context) | None`` shown under the
    supervision dashboard's own figures (the registers add their figures here).
``industry_cases``
    callables ``(user, industry_code) -> [(label, url)]`` listed on rectify's industry page (cases).
``home_panels``
    callables ``(request) -> panel | None`` on the staff workbench home.
``event_labels``
    ledger verb -> a (lazy) label, for the history shown on a clue's page.
``implicated_clues``
    callables ``(unit_ids) -> QuerySet of clue_id`` for the conflict-of-interest exclusion
    applied by ``org.access.visible_to`` (scoping fails closed when none is registered).
``similar_finders``
    callables ``(clue, limit) -> [(clue, score)]`` offered on the clue page.
``profile_validators``
    callables ``(profile) -> None`` raising ``ValueError`` with what to fix; each app checks the
    part of the deployment profile it owns (records: retention periods).
``status_panels``
    ``(slot, panel)`` pairs: ``panel(request, report) -> HTML or ""`` shown on the reporter's status
    page at ``slot`` (``"after_progress"`` or ``"after_messages"``); compliance adds when to expect
    an answer and the minutes of an oral report.
``taxonomy``
    ``"label"`` -> ``(kind, code) -> name in the reader's language`` and ``"choices"`` ->
    ``(kind) -> [(code, name)]``; filled by triage, which owns the taxonomy, read by the clue
    pages below it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Job", "Registry", "registry", "system_job"]


class Registry(dict[str, Any]):
    """A dict of stores whose keys are fixed when it is made."""

    def __getitem__(self, key: str) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            raise KeyError(f"no registry store named {key!r}") from None

    def __setitem__(self, key: str, value: Any) -> None:
        raise TypeError("registry stores are fixed: add the store in cluedesk/platform/registry.py")

    def __delitem__(self, key: str) -> None:
        raise TypeError("registry stores cannot be removed")


@dataclass(frozen=True)
class Job:
    """Periodic work: ``run(now) -> summary`` once ``every`` has passed since it last finished.

    Jobs run in ``order`` (then name); the ledger checkpoint runs last so that it signs the
    events the other jobs wrote in the same round.
    """

    name: str
    run: Callable[[dt.datetime], dict[str, Any]]
    every: dt.timedelta
    order: int = 100


registry = Registry(
    {
        "clue_panels": [],
        "dashboard_panels": [],
        "event_labels": {},
        "home_panels": [],
        "industry_cases": [],
        "implicated_clues": [],
        "jobs": {},
        "profile_validators": [],
        "similar_finders": [],
        "status_panels": [],
        "taxonomy": {},
    }
)


def system_job(
    name: str, every: dt.timedelta, *, order: int = 100
) -> Callable[[Callable[[dt.datetime], dict[str, Any]]], Callable[[dt.datetime], dict[str, Any]]]:
    """Register the decorated function as the periodic job ``name`` (NetBox's ``@system_job``).

    Use it in a module that the app's ``AppConfig.ready()`` imports. Registering a name twice with
    another function is a mistake and raises; importing the same module again is harmless.
    """

    def register(fn: Callable[[dt.datetime], dict[str, Any]]) -> Callable[[dt.datetime], dict[str, Any]]:
        jobs = registry["jobs"]
        known = jobs.get(name)
        if known is not None and (known.run.__module__, known.run.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"job {name!r} is already registered by {known.run.__module__}")
        jobs[name] = Job(name=name, run=fn, every=every, order=order)
        return fn

    return register


def jobs_in_order() -> list[Job]:
    """The registered jobs in the order the worker runs them."""
    return sorted(registry["jobs"].values(), key=lambda job: (job.order, job.name))
