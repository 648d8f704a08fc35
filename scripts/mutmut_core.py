#!/usr/bin/env python
"""Mutation testing of the security-critical core with mutmut: does a test fail when code changes?

    .venv/bin/python scripts/mutmut_core.py                    # every module in scripts/mutmut_modules.toml
    .venv/bin/python scripts/mutmut_core.py --module ledger    # one module
    .venv/bin/python scripts/mutmut_core.py --committed        # the last commit, not the working tree
    .venv/bin/python scripts/mutmut_core.py --module ledger --keep /tmp/mm   # keep the copy to inspect
                                                               # (cd /tmp/mm/ledger && .venv/bin/mutmut show NAME)
    .venv/bin/python scripts/mutmut_core.py --module ledger --keep /tmp/mm --resume
                                   # after new tests: the kept copy takes today's files and runs again
                                   # only what was not detected (survived, no tests, not checked)

mutmut (a well-kept mutation tester) makes every mutant it knows of each file named for a module
(operators swapped, constants changed, arguments dropped, conditions inverted…), finds which tests
reach each function, and runs those tests once per mutant. A mutant is *killed* when a test fails,
*timeout* when the tests hang on it (also a detected change), *survived* when every test passes.

Each module runs in a copy of the tree (mutmut writes a ``mutants/`` folder beside the sources, and
other people run tests in the working tree). The module's files and tests come from
``scripts/mutmut_modules.toml``; mutants judged equivalent (a change that cannot alter behaviour)
are listed with why in ``scripts/mutmut_equivalent.toml`` and are left out of the score. mutmut runs
on SQLite; a mutant only PostgreSQL can show (e.g. a row-order tie-break SQLite keeps by row number
anyway) is listed there under ``[postgresql]`` with the test that kills it on PostgreSQL (CI runs the
suite on both): it counts as detected, as ``killed_on_postgresql``, not as killed by mutmut.

It prints one JSON object: per module total, killed, timeout, survived, not covered (no test
reaches the mutated function), other (not checked, interrupted, segfault), equivalent, score
((killed + timeout + killed_on_postgresql) / (total − equivalent)), the names of every mutant not detected (survivors,
not covered, other) and the seconds it took. A mutant no test reaches is an undetected change: it
counts against the score, as in mutmut's own. Exit status 0 when every module reaches ``--min``
(default 0.9), 1 otherwise.

It is slow (every mutant runs Django's test set-up again): about 6 s of CPU per mutant here, so a
300-line module takes tens of minutes on two cores. It is not part of CI; scripts/mutation.py, the
short hand-written list of the audit's mutations, runs in minutes and is the quick check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = Path(__file__).resolve().parent / "mutmut_modules.toml"
EQUIVALENT = Path(__file__).resolve().parent / "mutmut_equivalent.toml"
RESULT_LINE = re.compile(r"^\s*(?P<name>\S+):\s*(?P<status>[a-z ]+?)\s*$")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p]


def make_copy(dest: Path, committed: bool = False) -> None:
    """The tree mutmut mutates: the working tree's tracked files, or with ``committed`` the last
    commit as it is (someone else's uncommitted edit cannot break or colour the run)."""
    if committed:
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        if not (dest / ".venv").exists():
            (dest / ".venv").symlink_to(ROOT / ".venv")
        return
    for rel in tracked_files():
        source = ROOT / rel
        if not source.is_file():
            continue  # deleted in the working tree
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    if not (dest / ".venv").exists():
        (dest / ".venv").symlink_to(ROOT / ".venv")


def refresh_copy(dest: Path, committed: bool = False) -> None:
    """A kept copy brought up to today's code and tests, its ``mutants/`` folder (mutmut's results)
    left in place. mutmut then makes the mutants again for the files that changed and keeps the
    verdicts of every function whose text did not change; tests added since are found and mapped
    to the functions they reach. Files deleted since are deleted from the copy too."""
    for tree in ("cluedesk", "tests", "scripts", "mutants/tests"):  # mutants/cluedesk holds the verdicts
        shutil.rmtree(dest / tree, ignore_errors=True)
    make_copy(dest, committed)


def undetected(dest: Path, equivalent: dict[str, str]) -> list[str]:
    """The mutants of a kept copy no test has caught yet (survived, not reached, not checked),
    leaving out those judged equivalent: no test can catch them, and a survivor costs every test."""
    return sorted(k for k, v in read_results(dest).items() if v not in ("killed", "timeout") and k not in equivalent)


def configure(dest: Path, paths: list[str], tests: list[str]) -> None:
    pyproject = dest / "pyproject.toml"
    text = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", pyproject.read_text())
    text += (
        "\n[tool.mutmut]\n"
        f"source_paths = {json.dumps(paths)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        'also_copy = ["cluedesk", "tests", "pyproject.toml"]\n'
        # Each mutant's tests run in a fresh fork that builds the test database first: a few
        # seconds of CPU that mutmut's estimate (the tests' own durations, ~1 s) leaves out. With
        # its default limit (15 × (estimate + 1 s), half of it wall-clock) every mutant on a busy
        # machine ran out of time and was counted "timeout", i.e. detected: a score of nothing.
        # Tables straight from the models (no migrations to replay) and a limit that covers the
        # set-up keep "timeout" for mutants that really hang. Tests of a migration need the
        # migrations: they are left to the normal suite.
        'pytest_add_cli_args = ["--nomigrations", "--ignore-glob=*test_*migration*.py"]\n'
        "timeout_multiplier = 4.0\n"
        "timeout_constant = 60.0\n"
    )
    pyproject.write_text(text)


def read_results(dest: Path) -> dict[str, str]:
    done = subprocess.run(
        [str(dest / ".venv" / "bin" / "mutmut"), "results", "--all", "true"],
        cwd=dest, capture_output=True, text=True,
    )
    found = {}
    for line in done.stdout.splitlines():
        match = RESULT_LINE.match(line)
        if match:
            found[match["name"]] = match["status"]
    return found


def score(name: str, results: dict[str, str], equivalent: dict[str, str], seconds: float,
          on_postgresql: dict[str, str] | None = None) -> dict[str, object]:
    counted = {k: v for k, v in results.items() if k not in equivalent}
    by = {status: sorted(k for k, v in counted.items() if v == status) for status in set(counted.values())}
    killed, timeout = len(by.get("killed", [])), len(by.get("timeout", []))
    not_covered = by.get("no tests", []) + by.get("skipped", [])
    survivors = by.get("survived", []) + by.get("suspicious", [])
    on_postgresql = on_postgresql or {}
    killed_on_postgresql = sorted(k for k in survivors if k in on_postgresql)
    survivors = [k for k in survivors if k not in on_postgresql]
    known = {"killed", "timeout", "no tests", "skipped", "survived", "suspicious"}
    other = sorted(k for k, v in counted.items() if v not in known)
    return {
        "module": name,
        "total": len(results),
        "killed": killed,
        "timeout": timeout,
        "killed_on_postgresql": len(killed_on_postgresql),
        "survived": len(survivors),
        "not_covered": len(not_covered),
        "other": len(other),
        "equivalent": len(results) - len(counted),
        "score": round((killed + timeout + len(killed_on_postgresql)) / len(counted), 3) if counted else None,
        "survivors": survivors,
        "killed_on_postgresql_names": killed_on_postgresql,
        "not_covered_names": not_covered,
        "other_names": [f"{k}: {counted[k]}" for k in other],
        "seconds": round(seconds, 1),
    }


def _mutmut_run(dest: Path, children: int, names: list[str], log_mode: str = "w") -> int:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with (dest / "mutmut-run.log").open(log_mode) as log:
        return subprocess.run(
            [str(dest / ".venv" / "bin" / "mutmut"), "run", "--max-children", str(children), *names],
            cwd=dest, env=env, stdout=log, stderr=subprocess.STDOUT,
        ).returncode


def run_module(name: str, spec: dict[str, list[str]], equivalent: dict[str, str], workdir: Path,
               children: int, mutants: list[str], committed: bool = False,
               resume: bool = False, on_postgresql: dict[str, str] | None = None) -> dict[str, object]:
    dest = workdir / name
    resuming = resume and (dest / "mutants").is_dir()
    if resuming:
        refresh_copy(dest, committed)
    else:
        make_copy(dest, committed)
    configure(dest, spec["paths"], spec["tests"])
    started = time.monotonic()
    if resuming and not mutants:
        # Unnamed, mutmut runs only the mutants with no verdict: those never checked and those of
        # functions whose text changed (it makes their mutants again). A verdict stands unless the
        # mutant is named, so the ones no test caught are named in a second pass. Killed stays
        # killed: tests are only ever added.
        code = _mutmut_run(dest, children, [])
        pending = undetected(dest, {**equivalent, **(on_postgresql or {})})  # those survive SQLite anyway
        if code == 0 and pending:
            code = _mutmut_run(dest, children, pending, "a")
    else:
        code = _mutmut_run(dest, children, mutants)
    results = read_results(dest)
    if mutants and not resuming:  # only some were asked for: the rest were never meant to run
        results = {k: v for k, v in results.items() if v != "not checked"}
    result = score(name, results, equivalent, time.monotonic() - started, on_postgresql)
    if code != 0:  # e.g. the clean run failed: say so rather than print a score of nothing
        result["error"] = f"mutmut run exited {code}; see {dest / 'mutmut-run.log'}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="only these modules (repeatable)")
    parser.add_argument("--children", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--min", type=float, default=0.9, help="score every module must reach")
    parser.add_argument("--keep", type=Path, help="keep the copies in this folder")
    parser.add_argument("--mutants", action="append", default=[],
                        help="only mutants matching this name or glob, e.g. 'cluedesk.ledger.chain.*' (repeatable)")
    parser.add_argument("--resume", action="store_true",
                        help="with --keep: bring the kept copy up to today's files and run again only the mutants "
                        "not detected yet (the score then covers the whole module)")
    parser.add_argument("--committed", action="store_true",
                        help="mutate the last commit (git archive HEAD), not the working tree's tracked files")
    args = parser.parse_args(argv)
    if args.resume and args.keep is None:
        parser.error("--resume needs --keep: the folder of an earlier run")
    if not (ROOT / ".venv" / "bin" / "mutmut").exists():
        parser.error("mutmut is not in .venv: .venv/bin/pip install -e '.[mutation]'")

    modules = tomllib.loads(MODULES.read_text())["module"]
    judged = tomllib.loads(EQUIVALENT.read_text())
    equivalent, on_postgresql = judged.get("equivalent", {}), judged.get("postgresql", {})
    unknown = set(args.module or []) - set(modules)
    if unknown:
        parser.error(f"unknown module(s) {sorted(unknown)}; known: {sorted(modules)}")
    chosen = args.module or list(modules)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="mutmut-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        report = [run_module(name, modules[name], equivalent, workdir, args.children, args.mutants, args.committed,
                             args.resume, on_postgresql)
                  for name in chosen]
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    ok = all(r["score"] is not None and r["score"] >= args.min and "error" not in r for r in report)
    print(json.dumps({"modules": report, "min": args.min, "ok": ok}, ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
