import pytest


@pytest.fixture
def rw(db):
    from tests.rectify.helpers import rectify_world

    return rectify_world()
