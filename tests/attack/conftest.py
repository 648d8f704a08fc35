from tests.intake.conftest import _fresh_places, channel_token  # noqa: F401
