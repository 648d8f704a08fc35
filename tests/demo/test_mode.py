"""Commands that exist only for the demo refuse outside demo mode (issue 23, finding 9): one line,
exit code 2, nothing written — so a production deployment (CLUEDESK_DEMO=0) hands out neither
sign-in codes nor accounts with known passwords."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cluedesk.demo.mode import REFUSED
from cluedesk.ledger.models import Event
from cluedesk.org.models import Membership, Unit
from tests.org.factories import current_code, make_staff, make_unit, totp_device

pytestmark = pytest.mark.django_db


def test_demo_totp_prints_the_code_in_demo_mode_and_refuses_outside_it(settings):
    alice = make_staff("alice", make_unit("Liuyang anti-gang office", "430181"), "verifier")
    device = totp_device(alice)
    settings.DEMO = True
    out = io.StringIO()
    call_command("demo-totp", "alice", stdout=out)
    assert out.getvalue().strip() == current_code(device)

    settings.DEMO = False
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("demo-totp", "alice", stdout=out)
    assert refused.value.returncode == REFUSED == 2
    assert str(refused.value) == "demo-totp is refused: this is not a demo deployment (CLUEDESK_DEMO is off)"
    assert out.getvalue() == ""


def test_plain_seed_demo_refuses_outside_demo_mode_before_writing_anything(settings):
    settings.DEMO = False
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("seed-demo", "--reports", "1", "--seed", "3", stdout=out)
    assert refused.value.returncode == 2
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith("seed-demo is refused (it makes demo people with known passwords)")
    assert out.getvalue() == ""
    assert not get_user_model().objects.exists()
    assert not Unit.objects.exists() and not Membership.objects.exists()
    assert not Event.objects.exists()


def test_the_refusal_is_one_line_and_exit_code_2_from_the_command_line(tmp_path: Path):
    """As an operator sees it: `cluedesk demo-totp` on a deployment with CLUEDESK_DEMO=0."""
    env = {**os.environ, "CLUEDESK_DEMO": "0", "CLUEDESK_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "cluedesk.settings"}
    env.pop("DATABASE_URL", None)
    for argv in (["demo-totp", "anyone"], ["seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "cluedesk", *argv], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        # the refusal is one line, the last (system-check warnings, if any, come before it)
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith(f"CommandError: {argv[0]} is refused") and last.endswith("(CLUEDESK_DEMO is off)")
        assert done.stderr.count("is refused") == 1, done.stderr
