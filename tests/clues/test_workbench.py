"""The workbench home's counts (each a link to the list filtered the same way), the unread mark of
a reporter's reply, and the clue list's columns, sorting, page size, pickers and number search."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from cluedesk.clues.models import Clue
from cluedesk.intake import services as intake
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor
from tests.clues.conftest import login_verified
from tests.clues.test_signatures_and_conflicts import drafted

pytestmark = pytest.mark.django_db


def _as(world, name: str) -> Client:
    return login_verified(Client(), world.people[name])


def _tiles(html: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(
        r'href="/staff/clues/\?queue=(\w+)"><span class="tilecount">(\d+)</span>', html)}


def _listed(client: Client, query: str) -> list[str]:
    html = client.get(f"/staff/clues/?{query}").content.decode()
    return re.findall(r'<strong class="mono">(C[0-9A-F]+)</strong>', html)


def _reported_clue(world, text: str = "A gang collects protection money at the market.") -> tuple[Clue, str]:
    report, code = intake.submit_report(text=text, channel="web", actor=Actor.reporter())
    clue = world.clue(Clue.State.SCREENED)
    Report.objects.filter(pk=report.pk).update(clue=clue)
    return clue, code


def test_the_home_counts_what_waits_and_each_count_opens_the_same_list(world) -> None:
    now = timezone.now()
    world.clue()  # new
    world.clue()
    world.clue(Clue.State.VERIFYING, deadline=now - dt.timedelta(days=2))  # overdue
    world.clue(Clue.State.VERIFYING, deadline=now + dt.timedelta(days=1))  # due soon
    world.clue(Clue.State.VERIFYING, deadline=now + dt.timedelta(days=20))  # neither
    drafted(world)  # awaiting sig1's signature
    world.clue(division="430200")  # another city: not counted for Furong's people
    _clue, code = _reported_clue(world)
    intake.add_reporter_message(code, "The boss is called Liu.")

    client = _as(world, "sig1")
    tiles = _tiles(client.get("/staff/").content.decode())
    assert tiles["new"] == 2 and tiles["overdue"] == 1 and tiles["due_soon"] == 1 and tiles["sign"] == 1
    assert tiles["replies"] == 1
    for key, count in tiles.items():
        assert len(_listed(client, f"queue={key}")) == count, key
    assert _tiles(_as(world, "verifier_c2").get("/staff/").content.decode())["new"] == 1


def test_a_reporters_reply_is_marked_until_someone_who_handles_the_clue_opens_it(world) -> None:
    clue, code = _reported_clue(world)
    reviewer = _as(world, "reviewer")
    assert "new reply" not in reviewer.get("/staff/clues/").content.decode()
    intake.add_reporter_message(code, "More: the shop is on Wuyi Road.")
    listing = reviewer.get("/staff/clues/").content.decode()
    assert "new reply" in listing and "is-unread" in listing
    assert _listed(reviewer, "queue=replies") == [clue.public_id]

    _as(world, "supervisor").get(f"/staff/clues/{clue.public_id}/")  # a supervisor looking clears nothing
    assert _listed(reviewer, "queue=replies") == [clue.public_id]

    page = _as(world, "dispatcher").get(f"/staff/clues/{clue.public_id}/").content.decode()
    assert "new reply" in page  # shown on the message once, as it is marked read
    assert _listed(reviewer, "queue=replies") == []
    assert "new reply" not in reviewer.get(f"/staff/clues/{clue.public_id}/").content.decode()
    event = Event.objects.filter(verb="clue.replies_read").get()
    assert event.actor_id == str(world.dispatcher.pk) and event.data == {"replies": 1}
    clue.refresh_from_db()
    assert clue.version == 1  # reading is no verb: open forms stay valid

    intake.add_reporter_message(code, "And a second shop.")
    assert _listed(reviewer, "queue=replies") == [clue.public_id]


def test_the_list_sorts_by_column_pages_and_finds_a_clue_by_part_of_its_number(world) -> None:
    now = timezone.now()
    a = world.clue(Clue.State.VERIFYING, deadline=now + dt.timedelta(days=5), report_count=3)
    b = world.clue(Clue.State.VERIFYING, deadline=now + dt.timedelta(days=1), report_count=1)
    c = world.clue(Clue.State.NEW, report_count=2)
    client = _as(world, "reviewer")
    assert _listed(client, "sort=deadline") == [b.public_id, a.public_id, c.public_id]  # no deadline last
    assert _listed(client, "sort=-deadline") == [a.public_id, b.public_id, c.public_id]
    assert _listed(client, "sort=-reports") == [a.public_id, c.public_id, b.public_id]
    assert _listed(client, "sort=received") == [a.public_id, b.public_id, c.public_id]
    html = client.get("/staff/clues/?sort=deadline").content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-deadline" in html  # the header reverses it

    part = b.public_id[3:9]
    assert _listed(client, f"q={part}") == [b.public_id]
    assert _listed(client, f"q={part.lower()}") == [b.public_id]
    for _ in range(30):
        world.clue()
    assert len(_listed(client, "per_page=50")) == 33
    assert len(_listed(client, "")) == 25


def test_filters_are_pickers_with_names_not_codes(world) -> None:
    from cluedesk.triage import labels
    from cluedesk.triage.models import Category

    Category.objects.update_or_create(code="loan_sharking", defaults={"name": "Loan sharking", "name_zh": "套路贷"})
    labels._cache.clear()  # the names are cached for a minute per process
    furong = world.clue(category="loan_sharking")
    world.clue(division="430103")
    client = _as(world, "dispatcher_c1")
    html = client.get("/staff/clues/").content.decode()
    assert re.search(r'<select name="category"[^>]*>.*<option value="loan_sharking">Loan sharking</option>', html, re.S)
    assert re.search(r'<input type="text" name="division"[^>]*hx-get="/staff/divisions/search/"', html)
    assert _listed(client, "division=430102") == [furong.public_id]
    assert _listed(client, "division=Furong") == [furong.public_id]  # a typed name, without JavaScript
    assert _listed(client, "category=loan_sharking") == [furong.public_id]
    zh = client.get("/staff/clues/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<option value="loan_sharking">套路贷</option>' in zh


def test_a_division_code_from_a_link_filters_and_an_unknown_one_finds_nothing(world) -> None:
    furong = world.clue()
    client = _as(world, "reviewer")
    assert _listed(client, "division=430102") == [furong.public_id]
    assert _listed(client, "division=999999") == []
    assert _listed(client, "division=430200") == []  # outside the person's territory: still nothing of it


def test_screening_offers_category_and_industry_as_names_without_prefilling_other(world) -> None:
    from cluedesk.triage import labels
    from cluedesk.triage.models import Category, Industry

    Category.objects.update_or_create(code="gambling", defaults={"name": "Gambling", "name_zh": "赌博"})
    Industry.objects.update_or_create(code="other", defaults={"name": "Other", "name_zh": "其他"})
    labels._cache.clear()
    clue = world.clue(category="gambling", industry="other")
    client = _as(world, "reviewer")
    form = re.search(r'act/screen_valid/.*?</form>', client.get(f"/staff/clues/{clue.public_id}/").content.decode(),
                     re.S).group(0)
    assert '<option value="gambling" selected>Gambling</option>' in form
    assert "Suggested by triage: Gambling" in form
    industry = re.search(r'<select name="industry".*?</select>', form, re.S).group(0)
    assert 'selected' not in industry.replace('<option value="" selected>', "")  # "other" is not filled in
    assert '<input type="text" name="category"' not in form
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))
    response = client.post(f"/staff/clues/{clue.public_id}/act/screen_valid/",
                           {**hidden, "priority": "normal", "category": "", "industry": ""})
    assert response.status_code == 303
    clue.refresh_from_db()
    assert (clue.state, clue.category, clue.industry) == (Clue.State.SCREENED, "gambling", "other")  # kept
