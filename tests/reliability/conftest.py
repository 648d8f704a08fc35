"""Reliability fixtures: the intake census and channel token, reused; a live server per module."""

from collections.abc import Iterator

import pytest

from tests.intake.conftest import _fresh_places, census, channel_token  # noqa: F401

from .live import Live


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    """gunicorn with two web processes and no task workers: the drills start and kill their own."""
    server = Live(workers=2)
    try:
        server.prepare()
        server.start()
        yield server
    finally:
        server.destroy()
