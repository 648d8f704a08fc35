import pytest
from django.utils import translation

from cluedesk.clues.templatetags.taxonomy import channel_label
from tests.org.factories import make_unit

pytestmark = pytest.mark.django_db


def test_fixed_channels_read_in_the_readers_language():
    assert channel_label("phone") == "phone call"
    with translation.override("zh-hans"):
        assert channel_label("phone") != "phone call"


def test_integration_and_industry_channels_name_what_they_point_at():
    unit = make_unit("Hunan natural resources department", "430000")
    assert channel_label("api:hotline") == "channel API: hotline"
    assert channel_label(f"industry:{unit.pk}") == "transferred by industry authority Hunan natural resources department"
    with translation.override("zh-hans"):
        assert channel_label(f"industry:{unit.pk}") == "行业主管部门移送：Hunan natural resources department"
    assert channel_label("something-else") == "something-else"
