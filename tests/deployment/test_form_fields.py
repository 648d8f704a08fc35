"""The profile's "which fields the report form asks" reaches the public form: a field not asked is
neither shown nor taken."""

import pytest
from django.test import Client

from cluedesk.deployment import services
from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor

pytestmark = pytest.mark.django_db
SYS = Actor.system("test")


def test_by_default_every_field_is_asked(client: Client):
    html = client.get("/report/").content.decode()
    for name in ("place_text", "when_text", "who_text", "category", "name", "contact", "files"):
        assert f'name="{name}"' in html


def test_fields_the_profile_does_not_ask_are_not_shown_nor_kept(client: Client):
    services.set_profile("eu_internal", {"form_fields": "place"}, actor=SYS)
    html = client.get("/report/").content.decode()
    assert 'name="place_text"' in html and 'name="text"' in html
    for name in ("when_text", "who_text", "category", "name", "contact", "files"):
        assert f'name="{name}"' not in html
    resp = client.post("/report/", {"text": "某村有人长期开设赌场，放高利贷并暴力催收。", "place_text": "湖南省长沙市浏阳市",
                                    "who_text": "张三", "when_text": "去年", "name": "李四", "contact": "13800000000"})
    assert resp.status_code == 201
    report = Report.objects.get()
    assert report.place_text == "湖南省长沙市浏阳市"
    assert report.who_text == "" and report.when_text == "" and not report.sealed_identity


def test_a_line_without_anonymous_reports_always_asks_for_a_contact(client: Client):
    services.set_profile("eu_internal", {"form_fields": "place", "anonymous_allowed": "no"}, actor=SYS)
    html = client.get("/report/").content.decode()
    assert 'name="contact"' in html and 'name="name"' not in html
