"""Shared fixtures: an isolated keys/files folder per test, named people per role."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES = bool(os.environ.get("CLUEDESK_TEST_POSTGRES"))


@pytest.fixture(scope="session")
def _custodian_keys_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One custodian key pair for the session: the passphrase KDF (Argon2id, ~0.6 s) runs once,
    not once per test."""
    from django.test import override_settings

    from cluedesk.vault import sealing

    folder = tmp_path_factory.mktemp("keys-template")
    with override_settings(KEYS_DIR=folder):
        sealing.public_key.cache_clear()
        sealing.ensure_custodian_keypair("test custodian passphrase")
        sealing.public_key.cache_clear()
    return folder


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A test client request in Chinese leaves the thread in Chinese (LocaleMiddleware activates the
    language and nothing deactivates it): each test starts and ends in the default language, so a
    service's message does not depend on which test ran before."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_taxonomy_names() -> None:
    """The taxonomy's display names are cached per process: a test must not see another test's."""
    from cluedesk.triage import labels

    labels.forget()


@pytest.fixture(autouse=True)
def isolated_keys(settings, tmp_path: Path, _custodian_keys_template: Path) -> Iterator[Path]:
    """Each test gets its own copy of the keys and its own file store."""
    import shutil

    from cluedesk.vault import sealing

    shutil.copytree(_custodian_keys_template, tmp_path / "keys")
    settings.KEYS_DIR = tmp_path / "keys"
    settings.FILES_DIR = tmp_path / "files"
    sealing.public_key.cache_clear()
    sealing.file_key.cache_clear()
    yield tmp_path
    sealing.public_key.cache_clear()
    sealing.file_key.cache_clear()


@pytest.fixture
def custodian_passphrase() -> str:
    return "test custodian passphrase"


@pytest.fixture
def staff_client():
    """``staff_client(user, sudo=False)``: a Client signed in as ``user`` with a verified second
    factor (and a fresh re-authentication with ``sudo=True``). People: tests/org/factories.py."""
    from django.test import Client

    from tests.org.factories import login_verified

    return lambda user, sudo=False: login_verified(Client(), user, sudo=sudo)


@pytest.fixture
def org_world(db):
    """Nation → 湖南 → 长沙 → 浏阳 (in scope) / 芙蓉 (out of scope), one person per role in each
    county unit and a clue in each county (see tests/org/factories.py ``world``)."""
    from tests.org.factories import world

    return world()


def pytest_configure(config: pytest.Config) -> None:
    """Argon2 still, at the lowest cost: tests create many users and sign in often."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["tests.fast_hashers.CheapArgon2PasswordHasher",
                                 *settings.PASSWORD_HASHERS]
