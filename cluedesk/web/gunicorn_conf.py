"""gunicorn hooks for `cluedesk serve` (``--config python:cluedesk.web.gunicorn_conf``, with ``--preload``).

With ``--preload`` the master imports the application once and every web process is forked from
it, sharing those pages copy-on-write. ``on_starting`` (in the master, after the preload, before any
fork) also loads what the first requests would otherwise load in each process: every view module
(the URLconf), the triage models (``cluedesk.triage.engine.charge_model()`` / ``pair_model()``) and
the lazily built place indexes — then closes every database connection (a socket shared by forked
processes would interleave their queries) and freezes the garbage collector's view of these objects
(``gc.freeze()``), so that a collection in a web process does not write to, and so copy, every
shared page.

``pre_fork`` picks up a charge model trained after start-up (the first start trains it in the
background) so that web processes forked later — ``--max-requests`` recycles them — share it too.
"""

from __future__ import annotations

import gc
import logging
from types import SimpleNamespace
from typing import Any

log = logging.getLogger("cluedesk.serve")

preload_app = True
# gunicorn 27's control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl): two servers on
# one host would take it from each other, and the supervisor needs none (older versions ignore this)
control_socket_disable = True
# a sample the warm-up analyses, so that every lazily built index is built in the master
SAMPLE = SimpleNamespace(text="湖南省长沙市浏阳市某镇有人长期开设赌场，放高利贷并暴力催收，涉嫌寻衅滋事。",
                         who_text="张某某", place_text="湖南省长沙市浏阳市", when_text="", division_id=None)


def warm() -> dict[str, Any]:
    """Load, in this process, what every web process reads and never writes; no database left open."""
    from django.db import connections
    from django.urls import get_resolver

    from cluedesk.triage import engine, services

    try:
        get_resolver().url_patterns  # noqa: B018 - imports every view module
        engine.pair_model()
        charge = engine.charge_model()
        services.examine(SAMPLE)  # text normalisation, place automata, entity rules, the models
        loaded = {"charge_model": charge is not None}
    except Exception:  # noqa: BLE001 - a failed warm-up only costs memory: each process loads its own
        log.warning("preloading the analysis data failed", exc_info=True)
        loaded = {"charge_model": False}
    finally:
        connections.close_all()
    gc.collect()
    gc.freeze()
    return loaded


def on_starting(server: Any) -> None:
    loaded = warm()
    log.info("application preloaded", extra={"event": "preloaded", **loaded})


def pre_fork(server: Any, worker: Any) -> None:
    from django.db import connections

    from cluedesk.triage import engine

    try:
        engine.charge_model()  # re-reads the file at most every RECHECK_SECONDS while there is none
    except Exception:  # noqa: BLE001 - the web process loads it itself then
        log.warning("loading the charge model before fork failed", exc_info=True)
    connections.close_all()
