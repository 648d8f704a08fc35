"""Key and secret files (cluedesk/platform/privatefiles.py): made once and whole by racing
processes, never overwritten when an operator asked for a new one, replaced atomically, and
readable by this user only at every moment."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from cluedesk.platform import privatefiles


def _race(path: str, mine: str, start: object, out: object) -> None:
    start.wait()  # type: ignore[attr-defined]  # every process at the line, then all at once
    made = privatefiles.create_once(Path(path), mine * 400_000)  # big enough to be caught half-written
    out.put((made, Path(path).read_text()))  # type: ignore[attr-defined]


def test_processes_racing_to_make_a_key_all_read_one_whole_key(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(10):
        path = tmp_path / f"keys{round_}" / "files.key"
        start, out = ctx.Barrier(8), ctx.Queue()
        procs = [ctx.Process(target=_race, args=(str(path), f"{n:x}", start, out)) for n in range(8)]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(60)
        assert sum(made for made, _ in results) == 1
        winner = path.read_text()
        assert len(winner) == 400_000 and len(set(winner)) == 1
        assert all(text == winner for _, text in results)  # nobody read an empty or partial key
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert sorted(p.name for p in path.parent.iterdir()) == ["files.key"]  # nothing left aside


def test_create_once_keeps_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    assert privatefiles.create_once(path, "first") is True
    assert privatefiles.create_once(path, "second") is False
    assert path.read_text() == "first"


def test_write_new_refuses_an_existing_file_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "backup.key"
    privatefiles.write_new(path, "mine")
    with pytest.raises(FileExistsError):
        privatefiles.write_new(path, "another")
    assert path.read_text() == "mine" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_replace_is_atomic_and_private_under_a_loose_umask(tmp_path: Path) -> None:
    folder = tmp_path / "replaced"
    folder.mkdir()
    path = folder / "content.keys"
    path.write_text("old")
    old_umask = os.umask(0o022)
    try:
        privatefiles.replace(path, "new")
        privatefiles.replace(folder / "custodian.pub", "public", mode=0o644)
    finally:
        os.umask(old_umask)
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "custodian.pub").stat().st_mode) == 0o644
    assert sorted(p.name for p in folder.iterdir()) == ["content.keys", "custodian.pub"]
