"""cluedesk settings: read from the environment only, failing loudly on bad values.

Every secret may come from ``<NAME>_FILE`` instead of ``<NAME>`` (Healthchecks' habit).
Defaults make ``cluedesk serve`` work on a laptop: SQLite in WAL under ``./var``.

Importing this module has no side effects: it computes paths and values only. The data folders
are made, and the server secret generated once, when a process starts
(``cluedesk.platform.datafolder``, run by ``django.setup()``). Code reads ``settings.X``, never
``getattr(settings, "X", default)``: every setting is here, with its default, or in the
deployment profile.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cluedesk.platform import secrets as envsecrets


def env(name: str, default: str | None = None) -> str | None:
    """A value from NAME, or from the file named by NAME_FILE (cluedesk.platform.secrets)."""
    try:
        return envsecrets.secret(name, default)
    except envsecrets.SecretError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def envbool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def envint(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from exc
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")
    return number


def envchoices(name: str, default: tuple[str, ...], allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of distinct names, each one of ``allowed``, in the order given."""
    value = env(name)
    if value is None or value.strip() == "":
        return default
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    wrong = [item for item in items if item not in allowed]
    if wrong or not items or len(set(items)) != len(items):
        raise ImproperlyConfigured(f"{name}={value!r}: give distinct names, comma-separated, each one of "
                                   f"{', '.join(allowed)}")
    return items


def envtable(name: str, allowed: dict[str, tuple[str, ...]], minimum: int = 1) -> dict[str, dict[str, int]]:
    """A JSON object of objects of whole numbers (``{"local": {"urgent": 5}}``): the outer names
    from ``allowed``, the inner ones from its values, every number at least ``minimum``."""
    value = env(name)
    if value is None or value.strip() == "":
        return {}
    first = next(iter(allowed))
    example = json.dumps({first: {allowed[first][-1]: max(minimum, 5)}})
    inner_names = dict.fromkeys(n for names in allowed.values() for n in names)
    rule = (f"{name} must be a JSON object of objects such as {example}: outer names {', '.join(allowed)}; "
            f"inner names {', '.join(inner_names)}; whole numbers of at least {minimum}")
    try:
        table = json.loads(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{rule} (not JSON: {exc})") from exc
    if not isinstance(table, dict):
        raise ImproperlyConfigured(rule)
    for outer, inner in table.items():
        if outer not in allowed or not isinstance(inner, dict):
            raise ImproperlyConfigured(f"{rule} (wrong: {outer!r})")
        for key, number in inner.items():
            if key not in allowed[outer] or type(number) is not int or number < minimum:
                raise ImproperlyConfigured(f"{rule} (wrong: {outer}.{key} = {number!r})")
    return table


def envnetworks(name: str) -> list[str]:
    """Comma-separated IP addresses or networks (``10.0.0.0/8``); a wrong one stops start-up."""
    items = [item.strip() for item in (env(name, "") or "").split(",") if item.strip()]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP address or network") from exc
    return items


BASE_DIR = Path(__file__).resolve().parent
_default_data = "var"
if os.environ.get("PYTEST_VERSION") and not os.environ.get("CLUEDESK_DATA_DIR"):
    # tests never touch a developer's ./var: a fresh folder per process (made at start-up, like ./var)
    _default_data = str(Path(tempfile.gettempdir()) / f"cluedesk-test-{os.getpid()}-{secrets.token_hex(4)}")
# made when a process starts (cluedesk.platform.datafolder), with STATIC_ROOT and FILE_UPLOAD_TEMP_DIR
DATA_DIR = Path(env("CLUEDESK_DATA_DIR", _default_data) or _default_data).resolve()
FILES_DIR = Path(env("CLUEDESK_FILES_DIR", str(DATA_DIR / "files")) or "").resolve()
KEYS_DIR = Path(env("CLUEDESK_KEYS_DIR", str(DATA_DIR / "keys")) or "").resolve()
# the trained triage models: on shared storage in a multi-node deployment, so one training serves every
# instance (empty: <data folder>/triage). Per-instance folders stay in the data folder or their own
# settings: CLUEDESK_TMP_DIR (uploads in progress), PROMETHEUS_MULTIPROC_DIR (metrics).
TRIAGE_DIR = env("CLUEDESK_TRIAGE_DIR", "") or ""


# The server secret (Django's SECRET_KEY, the tracking codes' HMAC key): CLUEDESK_SECRET_KEY or _FILE;
# without one, the file SERVER_SECRET_PATH, generated once and read by every process at start-up
# (cluedesk.platform.datafolder sets SECRET_KEY from it; until then it is empty).
SECRET_KEY = env("CLUEDESK_SECRET_KEY") or ""
if SECRET_KEY and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("CLUEDESK_SECRET_KEY must be at least 32 characters")
SERVER_SECRET_PATH: Path | None = None if SECRET_KEY else KEYS_DIR / "secret_key"

DEBUG = envbool("CLUEDESK_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in (env("CLUEDESK_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver") or "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("CLUEDESK_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()]
SITE_URL = (env("CLUEDESK_SITE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
DEMO = envbool("CLUEDESK_DEMO", True)

INSTALLED_APPS = [
    "cluedesk.platform",  # first: its ready() makes the data folders and settles the server secret
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cluedesk.web.admin_apps.StaffAdminConfig",  # django.contrib.admin behind OTP, no password of its own
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tables2",
    "django_filters",
    "cluedesk.web",
    "cluedesk.ledger",
    "cluedesk.org",
    "cluedesk.vault",
    "cluedesk.deployment",
    "cluedesk.intake",
    "cluedesk.clues",
    "cluedesk.triage",
    "cluedesk.disclosure",
    "cluedesk.supervision",
    "cluedesk.cases",
    "cluedesk.rectify",
    "cluedesk.compliance",
    "cluedesk.records",
    "cluedesk.demo",
    "cluedesk.ops",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # /api/docs from its bundled Swagger UI static files, not a CDN (after our apps: our templates win)
]

MIDDLEWARE = [
    "cluedesk.web.unavailable.UnavailableMiddleware",  # database or file store away: 503 + Retry-After
    "django.middleware.security.SecurityMiddleware",
    "cluedesk.ops.logging.RequestLogMiddleware",  # one JSON line + metrics per request
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cluedesk.org.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cluedesk.web.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "cluedesk.urls"
WSGI_APPLICATION = "cluedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cluedesk.org.context.staff_nav",
            ],
        },
    }
]


def database_from_url(url: str) -> dict[str, object]:
    """Parse DATABASE_URL: postgres://user:pass@host:port/name or sqlite:///path."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "cluedesk",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": envint("CLUEDESK_DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
            # a name per test process, so two suites on one server never drop each other's database
            "TEST": {"NAME": env("CLUEDESK_TEST_DB_NAME", None) or f"test_cluedesk_{os.getpid()}"},
        }
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("//"):
            path = path[1:]
        return sqlite_database(Path(path.lstrip("/") if not path.startswith("/") else path))
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use postgres:// or sqlite://)")


def sqlite_database(path: Path) -> dict[str, object]:
    # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on busy_timeout instead of failing on a lock upgrade.
    return {
        # Django's SQLite backend with write transactions queued on a file lock (cluedesk/platform/sqlite)
        "ENGINE": "cluedesk.platform.sqlite",
        "NAME": str(path),
        # keep the connection (and its PRAGMAs) for the worker's life: opening one per request
        # doubled the cost of a submission
        "CONN_MAX_AGE": envint("CLUEDESK_DB_CONN_MAX_AGE", 600),
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA cache_size=-32000;"
                # freed pages are zeroed: a purged or resealed value leaves no clear copy behind
                "PRAGMA secure_delete=ON;"
            ),
        },
        "TEST": {"NAME": env("CLUEDESK_TEST_SQLITE", None)},
    }


DATABASE_URL = env("DATABASE_URL", "") or ""
DATABASES = {"default": database_from_url(DATABASE_URL) if DATABASE_URL else sqlite_database(DATA_DIR / "cluedesk.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# a streaming read replica for the statistics pages only (cluedesk/platform/replica.py); tests mirror default
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "") or ""
# PostgreSQL roles that read through the replica (or reporting tools): `cluedesk restore` and
# `cluedesk grant-readonly` give them SELECT on every table, now and later (a restore replaces the
# schema, and its grants with it)
READONLY_ROLES = [r.strip() for r in (env("CLUEDESK_READONLY_ROLES", "") or "").split(",") if r.strip()]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**database_from_url(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["cluedesk.platform.replica.ReplicaRouter"]

REDIS_URL = env("REDIS_URL", "") or ""
# keys in Redis (cache, rate limits, job locks, worker heartbeats) all start with this prefix
CLUEDESK_REDIS_PREFIX = env("CLUEDESK_REDIS_PREFIX", "cluedesk") or "cluedesk"
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": env("CLUEDESK_REDIS_PREFIX", "cluedesk") or "cluedesk"}}
else:
    # Rate-limit counters must be shared by all worker processes: keep them in the database.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cluedesk_cache",
                          "OPTIONS": {"MAX_ENTRIES": 100000}}}

# Background tasks for `cluedesk worker`: django-tasks (the API Django 6 ships as django.tasks) with
# its database backend: SQLite in the embedded default, PostgreSQL (SELECT … FOR UPDATE SKIP LOCKED)
# when scaled out. See docs/operations.md "Queue".
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CLUEDESK_TASK_MAX_ATTEMPTS = envint("CLUEDESK_TASK_MAX_ATTEMPTS", 5, minimum=1)
CLUEDESK_WORKER_STALE_SECONDS = envint("CLUEDESK_WORKER_STALE_SECONDS", 60, minimum=2)
# A report waits for triage (grouping onto a clue) in a worker; waiting longer than this raises the
# lag alert on /metrics, the supervision dashboard and the awaiting-triage queue (workers stopped?).
CLUEDESK_TRIAGE_LAG_ALERT_SECONDS = envint("CLUEDESK_TRIAGE_LAG_ALERT_SECONDS", 60, minimum=1)
# The worker signs a ledger checkpoint once this many events were added, or this many minutes after
# the last one when any were (cluedesk/ledger/checkpoints.py; the key: CLUEDESK_LEDGER_SIGNING_KEY).
CLUEDESK_LEDGER_CHECKPOINT_EVENTS = envint("CLUEDESK_LEDGER_CHECKPOINT_EVENTS", 100, minimum=1)
CLUEDESK_LEDGER_CHECKPOINT_MINUTES = envint("CLUEDESK_LEDGER_CHECKPOINT_MINUTES", 10, minimum=1)
# /metrics: with a token, only requests bearing it; without one, only from the loopback address.
CLUEDESK_METRICS_TOKEN = env("CLUEDESK_METRICS_TOKEN", "") or ""
CLUEDESK_LOG_FORMAT = env("CLUEDESK_LOG_FORMAT", "json") or "json"
if CLUEDESK_LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"CLUEDESK_LOG_FORMAT={CLUEDESK_LOG_FORMAT!r}: use json or plain")

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/staff/login/"
LOGIN_REDIRECT_URL = "/staff/"

SESSION_COOKIE_AGE = envint("CLUEDESK_SESSION_SECONDS", 8 * 3600, minimum=60)
SESSION_IDLE_SECONDS = envint("CLUEDESK_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
# Sign-in lockout (cluedesk/org/auth.py): after this many failed steps for one username, a lock of
# CLUEDESK_LOCKOUT_SECONDS that doubles with each further failure, up to the maximum; failures are
# remembered for a day. One client address may fail more often (all usernames together, per
# CLUEDESK_LOCKOUT_SECONDS), so one NAT or proxy does not lock every colleague behind it.
CLUEDESK_LOCKOUT_FAILURES = envint("CLUEDESK_LOCKOUT_FAILURES", 5, minimum=1)
CLUEDESK_LOCKOUT_SECONDS = envint("CLUEDESK_LOCKOUT_SECONDS", 15 * 60, minimum=60)
CLUEDESK_LOCKOUT_MAX_SECONDS = envint("CLUEDESK_LOCKOUT_MAX_SECONDS", 6 * 3600, minimum=60)
CLUEDESK_LOCKOUT_CLIENT_FAILURES = envint("CLUEDESK_LOCKOUT_CLIENT_FAILURES", 50, minimum=1)
CLUEDESK_SUDO_SECONDS = envint("CLUEDESK_SUDO_SECONDS", 5 * 60, minimum=30)
CLUEDESK_DISCLOSURE_VIEW_SECONDS = envint("CLUEDESK_DISCLOSURE_VIEW_SECONDS", 30 * 60, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE = envbool("CLUEDESK_SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
if SECURE:
    # TLS ends at the reverse proxy, which must set (overwrite) X-Forwarded-Proto; HSTS is sent on
    # the requests that came over https (docs/operations.md)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("CLUEDESK_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with form posts and
# Django's CSRF check refuses every form. same-origin still sends nothing to other sites.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "cluedesk.web.views.csrf_failure"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("CLUEDESK_TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads: larger than 256 KiB go to a temporary file, never whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_TEMP_DIR = str(Path(env("CLUEDESK_TMP_DIR", "") or DATA_DIR / "tmp").resolve())
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
CLUEDESK_MAX_FILE_BYTES = envint("CLUEDESK_MAX_FILE_BYTES", 20 * 1024 * 1024, minimum=1024)
CLUEDESK_MAX_REPORT_BYTES = envint("CLUEDESK_MAX_REPORT_BYTES", 50 * 1024 * 1024, minimum=1024)
CLUEDESK_MAX_FILES = envint("CLUEDESK_MAX_FILES", 10, minimum=1)
CLUEDESK_MAX_TEXT_CHARS = envint("CLUEDESK_MAX_TEXT_CHARS", 20000, minimum=100)
CLUEDESK_RATE_SUBMIT = envint("CLUEDESK_RATE_SUBMIT", 30, minimum=1)  # per client per 10 minutes
CLUEDESK_RATE_LOOKUP = envint("CLUEDESK_RATE_LOOKUP", 20, minimum=1)  # per client per 10 minutes
# Reverse proxies whose X-Forwarded-For is believed (e.g. "127.0.0.1,10.0.0.0/8"): the client is the
# right-most forwarded address that is not one of them (cluedesk/org/clients.py); rate limits and
# the sign-in lockout key on it, hashed. CLUEDESK_TRUST_X_FORWARDED_FOR=1, the older switch, trusts
# the peer as one proxy whatever its address.
CLUEDESK_TRUSTED_PROXIES = envnetworks("CLUEDESK_TRUSTED_PROXIES")
CLUEDESK_TRUST_X_FORWARDED_FOR = envbool("CLUEDESK_TRUST_X_FORWARDED_FOR", False)
# published statistics: counts below this are hidden (cluedesk.records.statistics); at least 3
CLUEDESK_STATS_MIN_CELL = envint("CLUEDESK_STATS_MIN_CELL", 5, minimum=3)

# The workflow (docs/workflow.md): the roles whose signatures make a conclusion final, in the order
# the signing page lists them (a subset of the three signatory roles, e.g. two in a small office)
SIGNATORY_ROLES = ("signatory_1", "signatory_2", "signatory_3")  # org.actions.Role's signatory values
CLUEDESK_SIGNATORY_ROLES = envchoices("CLUEDESK_SIGNATORY_ROLES", SIGNATORY_ROLES, SIGNATORY_ROLES)
# days to verify, per assignment mode and priority; the environment may change any of them
# (JSON, e.g. {"local": {"urgent": 5}}), the rest keep these defaults
CLUEDESK_DEADLINE_DAYS: dict[str, dict[str, int]] = {
    "local": {"normal": 30, "high": 15, "urgent": 7},
    "offsite": {"normal": 45, "high": 20, "urgent": 10},
    "upgraded": {"normal": 60, "high": 30, "urgent": 15},
}
for _mode, _days in envtable("CLUEDESK_DEADLINE_DAYS", {m: ("normal", "high", "urgent")
                                                         for m in CLUEDESK_DEADLINE_DAYS}).items():
    CLUEDESK_DEADLINE_DAYS[_mode].update(_days)

# Supervision (docs/supervision.md): the escalation scan's thresholds and the action per flag, over
# cluedesk.supervision.services.DEFAULT_POLICY; JSON, e.g. {"long_open_days": 45,
# "actions": {"repeated": "track"}}
SUPERVISION_FLAGS = ("overdue", "long_open", "repeated", "repeat_after", "umbrella")  # SupervisionItem.Flag
SUPERVISION_ACTIONS = ("upgrade", "offsite", "track", "watch")  # SupervisionItem.Action


def supervision_policy(name: str) -> dict[str, Any]:
    value = env(name)
    if value is None or value.strip() == "":
        return {}
    rule = (f"{name} must be a JSON object with any of long_open_days (whole number ≥ 1), repeat_reports "
            f"(whole number ≥ 2) and actions (an object: flag → action; flags {', '.join(SUPERVISION_FLAGS)}; "
            f"actions {', '.join(SUPERVISION_ACTIONS)})")
    try:
        policy = json.loads(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{rule} (not JSON: {exc})") from exc
    if not isinstance(policy, dict) or set(policy) - {"long_open_days", "repeat_reports", "actions"}:
        raise ImproperlyConfigured(rule)
    for key, least in (("long_open_days", 1), ("repeat_reports", 2)):
        if key in policy and (type(policy[key]) is not int or policy[key] < least):
            raise ImproperlyConfigured(f"{rule} (wrong: {key} = {policy[key]!r})")
    actions = policy.get("actions", {})
    if not isinstance(actions, dict) or any(flag not in SUPERVISION_FLAGS or action not in SUPERVISION_ACTIONS
                                            for flag, action in actions.items()):
        raise ImproperlyConfigured(f"{rule} (wrong: actions = {actions!r})")
    return policy


CLUEDESK_SUPERVISION_POLICY = supervision_policy("CLUEDESK_SUPERVISION_POLICY")
# the monthly random check: clues drawn per group, grouped by division level (0 nation, 1 province,
# 2 city, 3 county)
CLUEDESK_SAMPLE_PER_DIVISION = envint("CLUEDESK_SAMPLE_PER_DIVISION", 3, minimum=1)
CLUEDESK_SAMPLE_LEVEL = envint("CLUEDESK_SAMPLE_LEVEL", 1, minimum=0, maximum=3)
# a division becomes a key region when it meets this many of the four indicators
CLUEDESK_KEY_REGION_MIN_INDICATORS = envint("CLUEDESK_KEY_REGION_MIN_INDICATORS", 2, minimum=1, maximum=4)

EMAIL_BACKEND = env("CLUEDESK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("CLUEDESK_FROM_EMAIL", "cluedesk@localhost")

# Public pages never log client addresses: access logs are off in the server, and the
# application's own logs carry no request metadata.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "json": {"()": "cluedesk.ops.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": CLUEDESK_LOG_FORMAT}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "cluedesk": {"handlers": ["console"], "level": env("CLUEDESK_LOG_LEVEL", "INFO") or "INFO"},
    },
}
