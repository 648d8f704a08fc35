"""The clue queue on django-filter and django-tables2: sorting by a header, page size, the division
picker (its scoped search and a typed name without JavaScript), scoping that no filter widens, the
export of exactly the filtered list, and both languages."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from cluedesk.clues.models import Clue
from cluedesk.org.access import SUDO_SESSION_KEY
from tests.clues.conftest import login_verified

pytestmark = pytest.mark.django_db


def _as(world, name: str) -> Client:
    return login_verified(Client(), world.people[name])


def _listed(client: Client, query: str) -> list[str]:
    html = client.get(f"/staff/clues/?{query}").content.decode()
    return re.findall(r'<strong class="mono">(C[0-9A-F]+)</strong>', html)


def test_a_header_sorts_and_reverses_and_the_order_survives_paging(world) -> None:
    tianxin = world.clue(division="430103")
    furong = world.clue(division="430102")
    client = _as(world, "dispatcher_c1")
    assert _listed(client, "sort=division") == [furong.public_id, tianxin.public_id]
    assert _listed(client, "sort=-division") == [tianxin.public_id, furong.public_id]
    html = client.get("/staff/clues/?sort=division&division=Changsha&page=1").content.decode()
    header = re.search(r'<th scope="col" aria-sort="ascending"[^>]*><a href="([^"]+)"', html).group(1)
    assert "sort=-division" in header and "division=Changsha" in header and "page=" not in header
    assert _listed(client, "sort=old") == _listed(client, "sort=received")  # an older address still sorts


def test_the_page_size_is_a_choice_and_a_bad_one_falls_back(world) -> None:
    for _ in range(60):
        world.clue()
    client = _as(world, "reviewer")
    assert len(_listed(client, "per_page=50")) == 50
    assert len(_listed(client, "per_page=7")) == 25
    html = client.get("/staff/clues/?per_page=50").content.decode()
    assert re.search(r'<select name="per_page"[^>]*>.*<option value="50" selected>50</option>', html, re.S)
    assert "Page 1 of 2" in html and "per_page=50&amp;page=2" in html


def test_a_division_is_found_by_its_name_or_the_pickers_value(world) -> None:
    furong = world.clue(division="430102")
    world.clue(division="430103")
    client = _as(world, "dispatcher_c1")
    assert _listed(client, "division=Furong") == [furong.public_id]
    assert _listed(client, "division=Furong+430102") == [furong.public_id]  # what the picker writes
    assert _listed(client, "division=Furo") == [furong.public_id]  # the one name that contains it
    assert len(_listed(client, "division=Changsha")) == 2
    assert _listed(client, "division=Nowhere") == []


def test_the_division_search_offers_names_in_the_persons_territory_only(world) -> None:
    client = _as(world, "dispatcher_c1")  # Changsha
    body = client.get("/staff/divisions/search/?division=a").content.decode()
    assert '<option value="Changsha 430100">' in body and "Tianxin" in body
    assert "Zhuzhou" not in body and "430000" not in body  # the province above is not offered
    assert '<option value="Furong 430102">Furong · Changsha</option>' in client.get(
        "/staff/divisions/search/?q=4301").content.decode()
    assert client.get("/staff/divisions/search/").content.decode().strip() == ""
    anonymous = Client().get("/staff/divisions/search/?q=Fu")
    assert anonymous.status_code == 302 and "Furong" not in anonymous.content.decode()


def test_no_filter_shows_a_clue_outside_what_the_person_may_see(world) -> None:
    world.clue(division="430200")  # Zhuzhou: outside Changsha
    inside = world.clue(division="430103")
    client = _as(world, "verifier_c1")
    for query in ("", "division=Zhuzhou", "division=430200", "division=Hunan", "division=000000", "queue=all",
                  "state=new", "q=C"):
        listed = set(_listed(client, query))
        assert listed <= {inside.public_id}, query


def test_the_export_is_exactly_the_filtered_list_in_its_order(world) -> None:
    a = world.clue(division="430102", report_count=1)
    b = world.clue(division="430102", report_count=5)
    world.clue(division="430103")
    client = _as(world, "supervisor")
    session = client.session
    session[SUDO_SESSION_KEY] = time.time() + 300
    session.save()
    response = client.get("/staff/clues/export/csv/?division=Furong&sort=-reports")
    rows = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == [b.public_id, a.public_id]


def test_headers_and_choices_are_in_the_readers_language(world) -> None:
    world.clue(state=Clue.State.NEW)
    client = _as(world, "reviewer")
    en = client.get("/staff/clues/?state=new").content.decode()
    zh = client.get("/staff/clues/?state=new", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">Received" in en and ">Deadline" in en and "Per page" in en and "name or code" in en
    assert ">收到时间" in zh and ">办理期限" in zh and "每页" in zh and "名称或代码" in zh
    assert '<option value="new" selected>' in zh
    assert "Received" not in zh and "Per page" not in zh
