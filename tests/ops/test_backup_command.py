"""`cluedesk backup --verify ARCHIVE` needs no DEST (issue 23.11); a backup without DEST says what to give."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db(transaction=True)


def test_verify_without_dest_and_backup_without_dest(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("backup", str(tmp_path / "a.tar"), stdout=out, stderr=io.StringIO())
    archive = json.loads(out.getvalue().strip().splitlines()[-1])["archive"]
    verified = io.StringIO()
    call_command("backup", verify=archive, stdout=verified)
    assert json.loads(verified.getvalue())["ok"] is True
    with pytest.raises(CommandError, match="give DEST"):
        call_command("backup", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_command_line_parses_verify_alone(tmp_path: Path) -> None:
    from cluedesk.ops.management.commands.backup import Command

    parsed = Command().create_parser("cluedesk", "backup").parse_args(["--verify", str(tmp_path / "x.tar")])
    assert parsed.dest is None and parsed.verify == str(tmp_path / "x.tar")
