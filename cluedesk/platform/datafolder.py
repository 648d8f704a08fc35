"""The data folder and the server secret, made when a process first starts, never on import.

Importing ``cluedesk.settings`` only computes paths. Every process — ``cluedesk serve`` and its
gunicorn workers, ``cluedesk migrate`` and every other command, the test runner — passes through
``django.setup()``, which calls ``PlatformConfig.ready()`` before any request or command runs:
that is where the folders are made and the secret is read, or generated once.

The server secret (Django's ``SECRET_KEY``, the key of the tracking codes' HMAC) comes from
``CLUEDESK_SECRET_KEY`` or ``_FILE`` when the environment gives it; otherwise from
``<keys folder>/secret_key``, written once (mode 0600, folder 0700) and read by every later
process and restart. Two processes starting at once read the same secret: the file appears
whole or not at all (written aside, then linked into place, which fails if it is already there).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings

from .privatefiles import create_once


def server_secret(path: Path) -> str:
    """The secret in ``path``, generated there first if there is none yet."""
    create_once(path, secrets.token_urlsafe(48))  # another process's, if it wrote first
    return path.read_text().strip()


def prepare() -> None:
    """Make the data folders and settle the server secret (settings' ``SERVER_SECRET_PATH``)."""
    for folder in (settings.DATA_DIR, settings.STATIC_ROOT, settings.FILE_UPLOAD_TEMP_DIR):
        Path(folder).mkdir(parents=True, exist_ok=True)
    if settings.SERVER_SECRET_PATH is not None:
        settings.SECRET_KEY = server_secret(Path(settings.SERVER_SECRET_PATH))
