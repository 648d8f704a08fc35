"""Reliability fixtures: the intake census and channel token, reused."""

from tests.intake.conftest import _fresh_places, census, channel_token  # noqa: F401
