"""Settings come from the environment only and fail loudly (issue 21, item 5): the six workflow and
supervision settings that code once read with ``getattr(settings, …, default)`` — and so could not
be set — are read in cluedesk/settings.py, with today's defaults, and a bad value stops start-up
naming the variable and what it allows."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cluedesk.clues import workflow
from cluedesk.supervision import keyregions, services
from cluedesk.supervision.models import SampleMonth, SupervisionItem

ROOT = Path(__file__).resolve().parents[2]
SIX = ("CLUEDESK_SIGNATORY_ROLES", "CLUEDESK_DEADLINE_DAYS", "CLUEDESK_SUPERVISION_POLICY",
       "CLUEDESK_SAMPLE_PER_DIVISION", "CLUEDESK_SAMPLE_LEVEL", "CLUEDESK_KEY_REGION_MIN_INDICATORS")


def _python(code: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SIX and not k.startswith("CLUEDESK_SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="cluedesk.settings", CLUEDESK_DATA_DIR=str(tmp_path / "data"),
               DATABASE_URL="", PYTHONPATH=str(ROOT), **variables)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_defaults_are_those_the_code_used_before(settings) -> None:
    assert settings.CLUEDESK_SIGNATORY_ROLES == (workflow.R.SIGNATORY_1, workflow.R.SIGNATORY_2,
                                                workflow.R.SIGNATORY_3)
    assert workflow.SIGNATORY_ROLES == settings.CLUEDESK_SIGNATORY_ROLES
    assert settings.CLUEDESK_DEADLINE_DAYS == workflow.DEFAULT_DEADLINE_DAYS
    assert settings.CLUEDESK_SUPERVISION_POLICY == {}
    assert services.policy() == services.DEFAULT_POLICY
    assert (settings.CLUEDESK_SAMPLE_PER_DIVISION, settings.CLUEDESK_SAMPLE_LEVEL,
            settings.CLUEDESK_KEY_REGION_MIN_INDICATORS) == (3, 1, 2)
    # the names settings.py allows are the models' own
    assert settings.SUPERVISION_FLAGS == tuple(SupervisionItem.Flag.values)
    assert settings.SUPERVISION_ACTIONS == tuple(SupervisionItem.Action.values)
    assert len(keyregions.INDICATORS) == 4  # CLUEDESK_KEY_REGION_MIN_INDICATORS' maximum


def test_the_environment_sets_each_of_the_six(tmp_path: Path) -> None:
    done = _python(
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from cluedesk.clues import workflow\n"
        "from cluedesk.supervision import services\n"
        "p = services.policy()\n"
        "print(json.dumps({'roles': workflow.SIGNATORY_ROLES, 'local_urgent': workflow.deadline_days('local', 'urgent'),"
        " 'local_normal': workflow.deadline_days('local', 'normal'), 'long_open': p['long_open_days'],"
        " 'repeat_reports': p['repeat_reports'], 'actions': p['actions'],"
        " 'sample': [settings.CLUEDESK_SAMPLE_PER_DIVISION, settings.CLUEDESK_SAMPLE_LEVEL],"
        " 'key_regions': settings.CLUEDESK_KEY_REGION_MIN_INDICATORS}))",
        tmp_path,
        CLUEDESK_SIGNATORY_ROLES="signatory_1, signatory_3",
        CLUEDESK_DEADLINE_DAYS='{"local": {"urgent": 5}}',
        CLUEDESK_SUPERVISION_POLICY='{"long_open_days": 45, "actions": {"repeated": "track"}}',
        CLUEDESK_SAMPLE_PER_DIVISION="5", CLUEDESK_SAMPLE_LEVEL="2", CLUEDESK_KEY_REGION_MIN_INDICATORS="3")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["roles"] == ["signatory_1", "signatory_3"]
    assert (seen["local_urgent"], seen["local_normal"]) == (5, 30)  # the rest keep their defaults
    assert (seen["long_open"], seen["repeat_reports"]) == (45, 3)
    assert seen["actions"]["repeated"] == "track" and seen["actions"]["overdue"] == "upgrade"
    assert seen["sample"] == [5, 2] and seen["key_regions"] == 3


@pytest.mark.parametrize(("name", "value", "allowed"), [
    ("CLUEDESK_SIGNATORY_ROLES", "signatory_1,verifier", "signatory_1, signatory_2, signatory_3"),
    ("CLUEDESK_SIGNATORY_ROLES", "signatory_1,signatory_1", "distinct"),
    ("CLUEDESK_DEADLINE_DAYS", '{"local": {"urgent": 0}}', "at least 1"),
    ("CLUEDESK_DEADLINE_DAYS", '{"nearby": {"urgent": 3}}', "local, offsite, upgraded"),
    ("CLUEDESK_DEADLINE_DAYS", "local=3", "not JSON"),
    ("CLUEDESK_SUPERVISION_POLICY", '{"actions": {"overdue": "ignore"}}', "upgrade, offsite, track, watch"),
    ("CLUEDESK_SUPERVISION_POLICY", '{"long_open_days": "60"}', "long_open_days (whole number"),
    ("CLUEDESK_SAMPLE_PER_DIVISION", "0", "minimum 1"),
    ("CLUEDESK_SAMPLE_LEVEL", "4", "maximum 3"),
    ("CLUEDESK_KEY_REGION_MIN_INDICATORS", "two", "not a whole number"),
])
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path: Path, name: str, value: str,
                                                         allowed: str) -> None:
    done = _python("import cluedesk.settings", tmp_path, **{name: value})
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and name in last and allowed in last, last


def test_the_deadline_and_supervision_policy_are_read_when_used(settings) -> None:
    settings.CLUEDESK_DEADLINE_DAYS = {**workflow.DEFAULT_DEADLINE_DAYS, "offsite": {"normal": 9, "high": 8,
                                                                                     "urgent": 7}}
    assert workflow.deadline_days("offsite", "normal") == 9
    settings.CLUEDESK_SUPERVISION_POLICY = {"repeat_reports": 5, "actions": {"umbrella": "watch"}}
    assert services.policy()["repeat_reports"] == 5 and services.policy()["actions"]["umbrella"] == "watch"


@pytest.mark.django_db
def test_the_monthly_sample_takes_its_size_and_level_from_settings(settings) -> None:
    settings.CLUEDESK_SAMPLE_PER_DIVISION = 7
    settings.CLUEDESK_SAMPLE_LEVEL = 0
    sample = services.commit_seed(dt.date(2026, 3, 1))
    assert (sample.per_division, sample.level) == (7, 0)
    assert SampleMonth.objects.get().per_division == 7


@pytest.mark.django_db
def test_key_regions_need_the_configured_number_of_indicators(settings) -> None:
    from django.utils import timezone

    from cluedesk.supervision import stats
    from tests.supervision.test_key_regions_and_rounds import _country

    _country()  # Changsha meets three indicators (overdue, umbrella, low verification), Guangzhou none
    month = stats.month_of(timezone.now())
    settings.CLUEDESK_KEY_REGION_MIN_INDICATORS = 3
    assert set(keyregions.recompute(end=month, months=1).entries.values_list("division_id", flat=True)) == {"430100"}
    settings.CLUEDESK_KEY_REGION_MIN_INDICATORS = 4
    assert not keyregions.recompute(end=month, months=1).entries.exists()


def test_no_code_reads_a_setting_with_a_default_of_its_own() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "cluedesk").rglob("*.py"))
             if path.name != "settings.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "getattr(settings" in line]
    assert found == [], "read settings.X and give the setting its default in cluedesk/settings.py"


def test_the_operations_guide_lists_every_setting_read_in_settings() -> None:
    read = set(re.findall(r'\("((?:CLUEDESK|DATABASE|REDIS)_[A-Z0-9_]+)"', (ROOT / "cluedesk" / "settings.py").read_text()))
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    table = guide[guide.index("## Configuration"):guide.index("## Health and readiness")]
    listed = {name for line in table.splitlines() if line.startswith("| `")
              for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])}
    assert len(read) > 40 and read - listed == set()
