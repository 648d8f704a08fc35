import pytest
from django.core.management import CommandError, call_command

from cluedesk.org.models import Membership
from cluedesk.supervision.models import Bulletin, Fact
from tests.org.factories import make_division

from .helpers import new_clue

pytestmark = pytest.mark.django_db


def test_stats_rebuild_and_bulletin_files(tmp_path, capsys):
    clue = new_clue(make_division("430181"))
    call_command("stats-rebuild")
    assert "facts rebuilt from 1 clues" in capsys.readouterr().out
    assert Fact.objects.filter(division_id="430181", clues=1).exists()
    month = f"{clue.created_at:%Y-%m}"
    xlsx, html = tmp_path / "b.xlsx", tmp_path / "b.html"
    call_command("bulletin", month, "--division", "430000", "--xlsx", str(xlsx), "--html", str(html),
                 "--language", "zh-hans", "--issue")
    out = capsys.readouterr().out
    assert "湖南省" in out and "reports 1" in out
    assert xlsx.read_bytes()[:2] == b"PK" and "口径说明" in html.read_text()
    assert Bulletin.objects.filter(division_id="430000").count() == 1
    with pytest.raises(CommandError, match="unknown division"):
        call_command("bulletin", month, "--division", "999999")
    with pytest.raises(CommandError, match="YEAR-MONTH"):
        call_command("bulletin", "last month")


def test_plain_seed_demo_makes_the_demo_people(capsys, settings):
    settings.DEMO = True  # plain seed-demo is refused outside demo mode (tests/demo/test_mode.py)
    call_command("seed-demo", "--reports", "1", "--seed", "3")
    assert "Demo staff accounts" in capsys.readouterr().out
    assert Membership.objects.filter(role="supervisor").exists()
