"""The `cluedesk` command: Django's management commands under one name.

`cluedesk serve`, `cluedesk ledger verify`, `cluedesk test`, `cluedesk triage-eval` ...
"""

from __future__ import annotations

import os
import sys

from cluedesk.testrun import run as run_tests

# Every command runs with this umask: what it writes (the SQLite database and its WAL, the file
# store, keys, backup archives, uploads in progress) is readable by the service user only; the
# processes `serve` starts (gunicorn, the workers) inherit it. Issue 19, finding 10.
UMASK = 0o077


def main(argv: list[str] | None = None) -> None:
    os.umask(UMASK)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "cluedesk"
    if len(args) > 1 and args[1] == "test":
        raise SystemExit(run_tests(args[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
