"""``GET /metrics``: Prometheus text format.

Two kinds of series:

* **per process** (requests by route and status, latency histogram, reports accepted), counted by
  the request middleware (cluedesk/ops/logging.py). With several gunicorn workers they are summed
  over processes by prometheus-client's multiprocess mode: ``cluedesk serve`` points
  ``PROMETHEUS_MULTIPROC_DIR`` at ``<data>/metrics`` (emptied at each start) before gunicorn forks,
  so any worker answering ``/metrics`` reports the whole node. Without that variable (tests, a
  bare ``runserver``) each process reports its own counts.
* **read from the database at scrape time** (the same in every process and on every node): the
  database answers, tasks queued/running/failed, each periodic job's last success and whether its
  last run failed, reports stored, reports awaiting triage and how long the oldest has waited
  (with the lag alert past ``CLUEDESK_TRIAGE_LAG_ALERT_SECONDS``).

Access: with ``CLUEDESK_METRICS_TOKEN`` set, only ``Authorization: Bearer <token>``; without it,
only a client at the loopback address with no ``X-Forwarded-For`` (a proxy on the same host adds
one, so the public cannot reach it through the proxy). Anyone else gets a plain 404.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from cluedesk.intake.models import Report
from cluedesk.platform.registry import jobs_in_order
from cluedesk.supervision.models import JobState
from cluedesk.triage import lag

log = logging.getLogger("cluedesk.metrics")

REQUESTS = Counter("cluedesk_http_requests", "HTTP requests by route pattern, method and status",
                   ["route", "method", "status"])
LATENCY = Histogram("cluedesk_http_request_duration_seconds", "Time to answer a request, by route pattern",
                    ["route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
ACCEPTED = Counter("cluedesk_reports_accepted", "Reports accepted (a tracking code handed out), by channel",
                   ["channel"])

# (view name or route, method) of the submissions that hand out a tracking code, and their channel
_SUBMISSIONS = {
    ("intake:home", "POST"): "web",
    ("intake:report", "POST"): "web",
    ("intake:report_via", "POST"): "web",
    ("/api/v1/reports", "POST"): "api",
}


def observe_request(method: str, route: str, view: str, status: int, seconds: float) -> None:
    try:
        REQUESTS.labels(route, method, str(status)).inc()
        LATENCY.labels(route).observe(seconds)
        channel = _SUBMISSIONS.get((view, method)) or _SUBMISSIONS.get((route, method))
        if channel and status == 201:
            ACCEPTED.labels(channel).inc()
    except Exception:  # noqa: BLE001 - metrics never break a request
        log.warning("metrics update failed", exc_info=True)


class DatabaseCollector(Collector):
    """Series read from the database when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("cluedesk_db_up", "1 when the database answers SELECT 1")
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
            up.add_metric([], 1)
        except Exception:  # noqa: BLE001 - a down database is a value, not an error
            up.add_metric([], 0)
            yield up
            return
        yield up
        yield from self._queue()
        yield from self._jobs()
        yield from self._reports()
        yield from self._triage()

    def _queue(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("cluedesk_queue_tasks", "Background tasks by status (READY = queue depth)",
                                   labels=["status"])
        counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in ("READY", "RUNNING", "FAILED", "SUCCESSFUL"):
            family.add_metric([status], counts.get(status, 0))
        yield family

    def _jobs(self) -> Iterator[GaugeMetricFamily]:
        last = GaugeMetricFamily("cluedesk_job_last_success_timestamp_seconds",
                                 "Unix time a periodic job last finished without error (0: never)", labels=["job"])
        failing = GaugeMetricFamily("cluedesk_job_failing", "1 when the job's last run raised", labels=["job"])
        names = [job.name for job in jobs_in_order()]
        states = {s.name: s for s in JobState.objects.filter(name__in=names)}
        for name in names:
            state = states.get(name)
            finished = state.last_finished.timestamp() if state and state.last_finished else 0
            last.add_metric([name], finished)
            failing.add_metric([name], 1 if state and state.last_error else 0)
        yield last
        yield failing

    def _reports(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("cluedesk_reports_stored", "Reports held in the database")
        family.add_metric([], Report.objects.count())
        yield family


    def _triage(self) -> Iterator[GaugeMetricFamily]:
        measured = lag.measure()
        waiting = GaugeMetricFamily("cluedesk_triage_waiting", "Reports stored and awaiting triage (no clue yet)")
        waiting.add_metric([], measured.waiting)
        oldest = GaugeMetricFamily("cluedesk_triage_oldest_waiting_seconds",
                                   "How long the oldest report awaiting triage has waited (0: none waits)")
        oldest.add_metric([], round(measured.oldest_seconds, 3))
        alert = GaugeMetricFamily("cluedesk_triage_lag_alert",
                                  "1 when a report has waited for triage longer than CLUEDESK_TRIAGE_LAG_ALERT_SECONDS")
        alert.add_metric([], 1 if measured.alert else 0)
        yield waiting
        yield oldest
        yield alert


_DB = DatabaseCollector()


def registry() -> CollectorRegistry:
    reg = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(reg)
    else:
        for collector in list(REGISTRY._collector_to_names):  # this process's own series
            reg.register(collector)
    reg.register(_DB)
    return reg


def allowed(request: HttpRequest) -> bool:
    token = settings.CLUEDESK_METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False
    return request.META.get("REMOTE_ADDR", "") in {"127.0.0.1", "::1"}


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method not in {"GET", "HEAD"} or not allowed(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type="text/plain; version=0.0.4; charset=utf-8")
