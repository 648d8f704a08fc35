"""Shared fixtures: an isolated keys/files folder per test, named people per role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES = bool(os.environ.get("CLUEDESK_TEST_POSTGRES"))


@pytest.fixture(autouse=True)
def isolated_keys(settings, tmp_path: Path) -> Iterator[Path]:
    """Each test gets its own keys and file store, and a custodian key pair."""
    from cluedesk.vault import sealing

    settings.KEYS_DIR = tmp_path / "keys"
    settings.FILES_DIR = tmp_path / "files"
    sealing.public_key.cache_clear()
    sealing.file_key.cache_clear()
    sealing.ensure_custodian_keypair("test custodian passphrase")
    yield tmp_path
    sealing.public_key.cache_clear()
    sealing.file_key.cache_clear()


@pytest.fixture
def custodian_passphrase() -> str:
    return "test custodian passphrase"
