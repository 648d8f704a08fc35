"""gunicorn hooks for `cluedesk serve` (``--config python:cluedesk.ops.gunicorn_conf``, with ``--preload``).

With ``--preload`` the master imports the application once and every web process is forked from
it, sharing those pages copy-on-write. ``on_starting`` (in the master, after the preload, before any
fork) also loads what the first requests would otherwise load in each process: every view module
(the URLconf), the same-matter model (``cluedesk.triage.engine.pair_model()``) and the lazily
built place indexes — then closes every database connection (a socket shared by forked
processes would interleave their queries) and freezes the garbage collector's view of these objects
(``gc.freeze()``), so that a collection in a web process does not write to, and so copy, every
shared page.

It also drops gunicorn's ``Server: gunicorn`` response header, which gunicorn has no setting for:
a banner only tells a scanner which server (and which of its flaws) to try.

gunicorn's own lines (starting, booting a worker, a worker timeout) are JSON on stderr like every
cluedesk line (``JsonLogger``; ``CLUEDESK_LOG_FORMAT=plain`` keeps gunicorn's text). Its control
socket (gunicorn 27: ``gunicornc -s <data folder>/gunicorn.ctl``) is in the instance's data folder,
not the per-user default ``~/.gunicorn/gunicorn.ctl`` that two servers on one host would share.
"""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from gunicorn.glogging import Logger
from gunicorn.http import wsgi as gunicorn_wsgi

from .supervisor import _JsonLines  # the JSON line shape, without Django

log = logging.getLogger("cluedesk.serve")

preload_app = True


def _data_dir() -> Path:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")
    from django.conf import settings  # the settings module only (no app is loaded here)

    return Path(settings.DATA_DIR)


# gunicorn 27's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl): two
# servers on one host would take it from each other. One per instance, in its data folder (a path
# longer than a Unix socket allows only costs the socket: gunicorn logs a warning and serves on).
control_socket = str(_data_dir() / "gunicorn.ctl")


class JsonLogger(Logger):
    """gunicorn's error log as cluedesk's JSON lines (ts, level, logger, msg) on its stream."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if os.environ.get("CLUEDESK_LOG_FORMAT") == "plain":
            return
        for handler in (*self.error_log.handlers, *self.access_log.handlers):
            handler.setFormatter(_JsonLines())


logger_class = JsonLogger
# a sample the warm-up analyses, so that every lazily built index is built in the master
SAMPLE = SimpleNamespace(text="湖南省长沙市浏阳市某镇有人长期开设赌场，放高利贷并暴力催收，张某某涉嫌寻衅滋事。",
                         place_text="湖南省长沙市浏阳市")


def warm() -> dict[str, Any]:
    """Load, in this process, what every web process reads and never writes; no database left open.

    Not the charge model: triage runs in the task workers, and a web process only shows its
    results (whether a model exists is a file check), so neither the model nor scikit-learn is
    ever in a web process's memory."""
    from django.db import connections

    from .warmup import preload  # the app modules, imported once Django is set up

    try:
        preload(SAMPLE)
        loaded = {"pair_model": True}
    except Exception:  # noqa: BLE001 - a failed warm-up only costs memory: each process loads its own
        log.warning("preloading the analysis data failed", exc_info=True)
        loaded = {"pair_model": False}
    finally:
        connections.close_all()
    gc.collect()
    gc.freeze()
    return loaded


_default_headers = gunicorn_wsgi.Response.default_headers


def _headers_without_banner(self: gunicorn_wsgi.Response) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


# in the master, before any fork: every web process inherits it
gunicorn_wsgi.Response.default_headers = _headers_without_banner  # type: ignore[method-assign]


def check_keys() -> None:
    """The master, after the preload and before any fork: the same keys as every other instance
    (cluedesk/ops/keycheck.py), or gunicorn exits before serving a request. A database that is
    away or not migrated yet cannot tell: that is said, and gunicorn starts as it always did (it
    answers 503 until the database is there; `cluedesk serve` and every worker check again)."""
    from django.db import DatabaseError, connections

    from .keycheck import KeyMismatch, check

    try:
        check()
    except KeyMismatch as exc:
        log.error("%s", exc, extra={"event": "key_mismatch"})
        raise SystemExit(3) from None
    except DatabaseError as exc:
        log.warning("keys not checked against the deployment's record: the database cannot tell (%s)",
                    type(exc).__name__, extra={"event": "key_check_skipped"})
    finally:
        connections.close_all()


def on_starting(server: Any) -> None:
    check_keys()
    loaded = warm()
    log.info("application preloaded", extra={"event": "preloaded", **loaded})
