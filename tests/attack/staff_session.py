"""Print a signed-in, second-factor-verified staff session key for the live data folder in the
environment (used by run_sqlmap.py to attack an authenticated list)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from cluedesk.clues.models import Clue  # noqa: E402
from cluedesk.org.models import Division, Role, Unit  # noqa: E402
from tests.org.factories import login_verified, make_staff  # noqa: E402

province = Division.objects.filter(level=Division.Level.PROVINCE).order_by("code").first()
assert province is not None
unit = Unit.objects.filter(division=province, name="sqlmap office").first() or Unit.objects.create(
    name="sqlmap office", division=province)
user = make_staff("sqlmap-dispatcher", unit, Role.DISPATCHER, Role.INTAKE_REVIEWER)
county = Division.objects.filter(path__startswith=province.path, level=Division.Level.COUNTY).first()
for i in range(3):
    Clue.objects.create(state=Clue.State.NEW, division=county, title=f"sqlmap clue {i}")
settings.ALLOWED_HOSTS = ["*"]
client = login_verified(Client(), user)
print(client.cookies[settings.SESSION_COOKIE_NAME].value)
