from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

pytestmark = pytest.mark.django_db


def render(code: str, lang: str) -> str:
    with translation.override(lang):
        return Template("{% load taxonomy %}{{ code|category_label }}|{{ 'transport'|industry_label }}").render(
            Context({"code": code}))


def test_category_codes_read_as_names_in_the_readers_language() -> None:
    from cluedesk.triage.models import Industry

    assert render("gambling", "en") == "Gambling|Transport"
    assert render("gambling", "zh-hans") == "赌博|" + Industry.objects.get(code="transport").name_zh


def test_an_unknown_code_is_shown_as_it_is() -> None:
    assert render("not_in_taxonomy", "en").startswith("not_in_taxonomy|")
