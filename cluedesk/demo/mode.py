"""Demo mode is ``CLUEDESK_DEMO`` (``settings.DEMO``; on by default, so `cluedesk serve` on a laptop
shows a demo). `serve --no-demo` only skips the seeding: demo mode stays on. Commands that exist
only for the demo (``demo-totp``, ``seed-demo`` making people with known passwords) refuse when it
is off, so a production deployment (``CLUEDESK_DEMO=0``) cannot be handed sign-in codes or
accounts by them (issue 23, finding 9)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

REFUSED = 2  # the exit code of a refused demo-only command (1 stays "the command failed")


def refuse_unless_demo(command: str, *, why: str = "") -> None:
    """Raise a one-line ``CommandError`` (exit code 2) unless demo mode is on."""
    if not settings.DEMO:
        because = f" ({why})" if why else ""
        raise CommandError(f"{command} is refused{because}: this is not a demo deployment (CLUEDESK_DEMO is off)",
                           returncode=REFUSED)
