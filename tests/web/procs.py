"""Processes seen through /proc, for the supervisor and serve tests: children, trees, liveness."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, ppid) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rindex(b")") + 2:].split()
    return fields[0].decode(), int(fields[1])


def children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None and st[1] == pid and st[0] != "Z":
                out.append(int(name))
    return sorted(out)


def tree(pid: int) -> list[int]:
    """``pid``'s descendants (not ``pid`` itself)."""
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return sorted(found)


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    st = _stat(pid)
    return st is not None and st[0] != "Z"


def wait_for(check: Callable[[], Any], seconds: float, step: float = 0.1) -> Any:
    """``check()``'s first true value within ``seconds``; its last (false) value otherwise."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)
