"""Authorization rows for the scale-out endpoints (see tests/authz.py).

``/metrics`` is not a staff page: it is refused (404) to everyone but the loopback address or the
bearer of CLUEDESK_METRICS_TOKEN (tests/scaleout/test_metrics.py); ``/healthz`` and ``/readyz`` are
public by design and say nothing but up/down."""

from __future__ import annotations

from tests.authz import Row

ROWS: list[Row] = []
PUBLIC = ["metrics", "healthz", "readyz"]
