"""One authorization matrix: every staff view and API endpoint × every role × in/out of scope.

Rows live per app in ``tests/<app>/authz_rows.py`` (format: tests/authz.py). For each row, role
and scope the request is made by that role's person in the Liuyang county unit (signed in, second
factor verified, sudo active) and:

* allowed role, in scope → one of ``row.ok``;
* allowed role, out of scope → 404;
* role not allowed → 403 (in scope) or 403/404 (out of scope);
* nobody signed in → the sign-in page (views) or 401 (API);

and every refusal leaves the database exactly as it was (row counts of every table and the
ledger head). ``test_every_staff_and_api_route_has_a_row`` fails when a URL under /staff/ or
/api/ has neither a row nor a PUBLIC entry.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import tests
from cluedesk.org.models import Role
from tests.authz import Row
from tests.org.factories import login_verified, world

pytestmark = pytest.mark.django_db

# Not staff pages: the API's own documentation.
ALWAYS_PUBLIC = {"api/", "api/docs", "api/openapi.json"}


def _row_modules():
    for info in pkgutil.iter_modules([str(Path(tests.__file__).parent)]):
        if info.ispkg:
            try:
                yield importlib.import_module(f"tests.{info.name}.authz_rows")
            except ModuleNotFoundError as exc:
                if exc.name != f"tests.{info.name}.authz_rows":
                    raise


ROW_MODULES = list(_row_modules())
ROWS: list[Row] = [row for module in ROW_MODULES for row in module.ROWS]
PUBLIC: set[str] = ALWAYS_PUBLIC | {route for module in ROW_MODULES for route in getattr(module, "PUBLIC", [])}


@pytest.fixture(scope="module")
def _key_template(tmp_path_factory):
    """One custodian key pair for the whole module (the passphrase KDF is deliberately slow)."""
    from django.conf import settings as django_settings

    from cluedesk.vault import sealing

    folder = tmp_path_factory.mktemp("matrix-keys")
    saved = django_settings.KEYS_DIR
    django_settings.KEYS_DIR = folder
    sealing.public_key.cache_clear()
    sealing.ensure_custodian_keypair("test custodian passphrase")
    django_settings.KEYS_DIR = saved
    sealing.public_key.cache_clear()
    return folder


@pytest.fixture(autouse=True)
def isolated_keys(settings, tmp_path, _key_template):
    """Overrides the suite's per-test key pair with a copy of the module's (same isolation)."""
    import shutil

    from cluedesk.vault import sealing

    settings.KEYS_DIR = tmp_path / "keys"
    settings.FILES_DIR = tmp_path / "files"
    shutil.copytree(_key_template, settings.KEYS_DIR)
    sealing.public_key.cache_clear()
    sealing.file_key.cache_clear()
    yield tmp_path
    sealing.public_key.cache_clear()
    sealing.file_key.cache_clear()


def _routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def test_every_staff_and_api_route_has_a_row():
    routes = {r for r in _routes() if r.startswith(("staff/", "api/"))}
    covered = {row.route for row in ROWS} | PUBLIC
    missing = sorted(routes - covered)
    assert not missing, ("routes without a row in tests/<app>/authz_rows.py (or a PUBLIC entry): "
                         + ", ".join(missing))
    stale = sorted({row.route for row in ROWS} - routes)
    assert not stale, "rows for routes that no longer exist: " + ", ".join(stale)


def _snapshot():
    from django.db import connection

    tables = set(connection.introspection.table_names())
    counts = []
    for model in apps.get_models():
        if model._meta.db_table in {"django_session", "cluedesk_cache"} or model._meta.db_table not in tables:
            continue
        counts.append((model._meta.label, model._default_manager.count()))
    from cluedesk.ledger.models import Head

    head = Head.objects.filter(pk=1).values_list("seq", "hash").first()
    return counts, head


def _cases():
    for row in ROWS:
        for role in [*Role.values, None]:
            for inside in ([True, False] if row.scoped else [True]):
                scope = "in" if inside else "out"
                yield pytest.param(row, role, inside, id=f"{row.key}|{role or 'anonymous'}|{scope}")


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """The world is built once for the module (committed), and every case runs in its own
    transaction that is rolled back; the world is deleted again when the module ends."""
    from tests.org.factories import totp_device

    with django_db_blocker.unblock():
        w = world()
        people = [*w.staff.values(), *w.other_staff.values()]
        for person in people:
            totp_device(person)
    yield w
    with django_db_blocker.unblock():
        from django.contrib.auth import get_user_model

        from cluedesk.clues.models import Clue
        from cluedesk.org.models import Division, Membership

        Membership.objects.filter(user__in=people).delete()
        Clue.objects.filter(pk__in=[w.clue_in.pk, w.clue_out.pk]).delete()
        for unit in [w.county, w.other_county, w.city, w.province, w.nation]:
            unit.delete()
        get_user_model().objects.filter(pk__in=[p.pk for p in people]).delete()
        for level in (3, 2, 1, 0):
            Division.objects.filter(level=level, units__isnull=True).delete()


@pytest.mark.parametrize("row,role,inside", list(_cases()))
def test_authorization_matrix(row: Row, role: str | None, inside: bool, settings, matrix_world):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    w = matrix_world
    for person in [*w.staff.values(), *w.other_staff.values()]:
        person.__dict__.pop("_cluedesk_grants", None)
    if row.setup:
        row.setup(w)
    client = Client() if role is None else login_verified(Client(), w.staff[role], sudo=True)
    url = row.url(w, inside)
    data = row.data(w) if row.data else {}
    before = _snapshot()
    if row.method == "GET":
        response = client.get(url, data)
    elif row.api:
        response = client.generic(row.method, url, __import__("json").dumps(data), content_type="application/json")
    else:
        response = client.post(url, data)

    status = response.status_code
    if role is None:
        expected_denial = (401,) if row.api else (302,)
        assert status in expected_denial, f"anonymous got {status}"
        if not row.api:
            assert response["Location"].startswith("/staff/login/")
    elif role in row.roles and inside:
        assert status in row.ok, f"{role} in scope should succeed, got {status}"
        if status == 302:
            assert not response["Location"].startswith(("/staff/login", "/staff/sudo")), response["Location"]
        return
    elif role in row.roles:
        assert status == 404, f"{role} out of scope should get 404, got {status}"
    elif inside:
        assert status == 403, f"{role} (not allowed) in scope should get 403, got {status}"
    else:
        assert status in (403, 404), f"{role} (not allowed) out of scope got {status}"
    assert _snapshot() == before, "a refused request changed the database"
