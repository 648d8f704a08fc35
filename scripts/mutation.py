#!/usr/bin/env python
"""Mutation run over the security-critical core: does a test fail when a guard is gone?

    .venv/bin/python scripts/mutation.py                      # every mutation in scripts/mutations.toml
    .venv/bin/python scripts/mutation.py --module ledger      # one module's mutations
    .venv/bin/python scripts/mutation.py --only L1,L2 -v      # named ones, with pytest's tail on survivors
    .venv/bin/python scripts/mutation.py --ref 98b5866        # the tests (and code) of an older commit

Each entry of ``scripts/mutations.toml`` is one small, plausible bug in a guard (a check dropped, a
comparison loosened, a field left out of a hash, a type added to an allow-list), written as an exact
piece of source and its replacement, with the tests that cover that place. For each one the script
puts the bug into a copy of the tree (never into the working tree: other people run tests there),
runs those tests with ``-x`` and counts the mutant as killed when a test fails. It first runs every
test selection once on the unchanged copy, so a failure is the mutant's and not the suite's.

It prints JSON: per module killed / total / score, the survivors (id, what the bug is), and the
entries marked ``equivalent`` (a change that cannot alter behaviour; not counted), each with why.
An entry whose source piece no longer occurs exactly once is reported as ``stale``: the list is
kept true as the code moves. Exit status: 0 when every module reaches ``--min`` (default 0.9), 1
otherwise, 2 on a stale entry or a failing baseline.

This is a curated list, not a tool that invents mutants: it names the bugs an audit found (issue
22) and the guards next to them, and runs in minutes. It is not part of CI's test command (it runs
the same tests again for each mutant); run it when a guard or its tests change.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LIST = Path(__file__).resolve().parent / "mutations.toml"


@dataclass
class Mutation:
    id: str
    module: str
    file: str
    old: str
    new: str
    tests: list[str]
    what: str
    equivalent: str = ""
    status: str = ""  # killed | survived | stale | error
    detail: str = ""
    seconds: float = 0.0
    tail: list[str] = field(default_factory=list)


def load(path: Path) -> list[Mutation]:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for m in doc["mutation"]:
        out.append(Mutation(id=m["id"], module=m["module"], file=m["file"], old=m["old"], new=m["new"],
                            tests=list(m["tests"]), what=m["what"], equivalent=m.get("equivalent", "")))
    ids = [m.id for m in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise SystemExit(f"duplicate mutation ids: {sorted(dupes)}")
    return out


def make_copy(ref: str | None, into: Path) -> None:
    """The tree to mutate: the working tree's files (tracked and new, not ignored), or a commit's."""
    into.mkdir(parents=True, exist_ok=True)
    if ref:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
        return
    names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if not src.is_file():
            continue  # deleted in the working tree
        dst = into / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def pytest(workdir: Path, tests: list[str], timeout: int) -> tuple[int, list[str]]:
    """Run the tests in ``workdir`` (its own ``cluedesk`` package comes first on the path)."""
    # a path missing from the copy (an older --ref, before a test file was added) is left out
    tests = [t for t in tests if (workdir / t.split("::")[0]).exists()]
    if not tests:
        return 5, ["none of the tests exist in this tree"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = str(workdir)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:warnings",
           "-p", "no:randomly", *tests]
    try:
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, ["timeout"]
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return proc.returncode, lines[-15:]


def run_one(m: Mutation, workdir: Path, timeout: int) -> None:
    target = workdir / m.file
    try:
        source = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        m.status, m.detail = "stale", f"{m.file} does not exist"
        return
    if source.count(m.old) != 1:
        m.status, m.detail = "stale", f"the source piece occurs {source.count(m.old)} times in {m.file}"
        return
    mutated = source.replace(m.old, m.new)
    try:
        compile(mutated, m.file, "exec")
    except SyntaxError as exc:
        m.status, m.detail = "stale", f"the mutant does not compile: {exc}"
        return
    started = time.monotonic()
    target.write_text(mutated, encoding="utf-8")
    try:
        rc, m.tail = pytest(workdir, m.tests, timeout)
    finally:
        target.write_text(source, encoding="utf-8")
        m.seconds = round(time.monotonic() - started, 1)
    if rc == 0:
        m.status = "survived"
    elif rc in (1, -1):
        m.status, m.detail = "killed", "timeout" if rc == -1 else ""
    elif rc == 5:
        m.status, m.detail = "error", "no test was collected"
    else:  # 2: collection or import error caused by the mutant, 3/4: internal/usage error
        m.status, m.detail = ("killed", f"pytest exit {rc}") if rc == 2 else ("error", f"pytest exit {rc}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", type=Path, default=DEFAULT_LIST)
    parser.add_argument("--module", action="append", help="only these modules (repeatable)")
    parser.add_argument("--only", help="only these ids, comma-separated")
    parser.add_argument("--ref", help="mutate a copy of this commit instead of the working tree")
    parser.add_argument("--jobs", type=int, default=1, help="copies run side by side (default 1)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per pytest run")
    parser.add_argument("--min", type=float, default=0.9, help="score each module must reach")
    parser.add_argument("-v", "--verbose", action="store_true", help="pytest's last lines for survivors")
    parser.add_argument("--keep", action="store_true", help="keep the copies (their paths go to stderr)")
    args = parser.parse_args()

    mutations = load(args.list)
    if args.module:
        mutations = [m for m in mutations if m.module in args.module]
    if args.only:
        wanted = {x.strip() for x in args.only.split(",")}
        mutations = [m for m in mutations if m.id in wanted]
    if not mutations:
        raise SystemExit("no mutation selected")

    base = Path(tempfile.mkdtemp(prefix="cluedesk-mutation-"))
    copies = [base / f"copy{i}" for i in range(max(1, args.jobs))]
    for c in copies:
        make_copy(args.ref, c)
    started = time.monotonic()

    # baseline: every test selection passes on the unchanged copy
    selections = sorted({tuple(m.tests) for m in mutations if not m.equivalent})
    failing = []
    for sel in selections:
        rc, tail = pytest(copies[0], list(sel), args.timeout)
        if rc != 0:
            failing.append({"tests": list(sel), "exit": rc, "tail": tail})
    if failing:
        print(json.dumps({"error": "the tests fail without any mutation", "failing": failing}, indent=2,
                         ensure_ascii=False))
        return 2

    todo = [m for m in mutations if not m.equivalent]
    free = list(copies)

    def work(m: Mutation) -> None:
        c = free.pop()
        try:
            run_one(m, c, args.timeout)
        finally:
            free.append(c)
        print(f"{m.id:5} {m.status:8} {m.seconds:6.1f}s  {m.what}", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(max_workers=len(copies)) as pool:
        list(pool.map(work, todo))

    modules: dict[str, dict[str, object]] = {}
    for m in todo:
        row = modules.setdefault(m.module, {"killed": 0, "total": 0})
        if m.status in ("killed", "survived"):
            row["total"] = int(row["total"]) + 1  # type: ignore[call-overload]
            row["killed"] = int(row["killed"]) + (m.status == "killed")  # type: ignore[call-overload]
    for row in modules.values():
        row["score"] = round(int(row["killed"]) / int(row["total"]), 3) if row["total"] else None  # type: ignore[call-overload]
    killed = sum(1 for m in todo if m.status == "killed")
    counted = sum(1 for m in todo if m.status in ("killed", "survived"))
    report = {
        "source": args.ref or "working tree",
        "seconds": round(time.monotonic() - started, 1),
        "total": {"killed": killed, "total": counted, "score": round(killed / counted, 3) if counted else None},
        "modules": dict(sorted(modules.items())),
        "survivors": [{"id": m.id, "module": m.module, "what": m.what, **({"tail": m.tail} if args.verbose else {})}
                      for m in todo if m.status == "survived"],
        "stale": [{"id": m.id, "detail": m.detail} for m in todo if m.status in ("stale", "error")],
        "equivalent": [{"id": m.id, "what": m.what, "why": m.equivalent} for m in mutations if m.equivalent],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.keep:
        print(f"copies kept in {base}", file=sys.stderr)
    else:
        shutil.rmtree(base, ignore_errors=True)
    if report["stale"]:
        return 2
    return 0 if all(r["score"] is not None and float(r["score"]) >= args.min for r in modules.values()) else 1  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
