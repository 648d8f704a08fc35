"""Administrative divisions, units and staff roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .actions import Role

ROOT_CODE = "000000"


class Division(models.Model):
    """An administrative division (GB/T 2260 code). ``path`` is the chain of codes from the
    root, each followed by "/" (``000000/430000/430100/``), so a subtree is one indexed prefix
    query: ``path__startswith``."""

    class Level(models.IntegerChoices):
        NATION = 0, _("nation")
        PROVINCE = 1, _("province")
        CITY = 2, _("city")
        COUNTY = 3, _("county")

    code = models.CharField(max_length=12, primary_key=True)
    name = models.CharField(max_length=64)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=128, db_index=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_root(self) -> bool:
        return self.code == ROOT_CODE

    def ancestors(self) -> models.QuerySet[Division]:
        """This division and those above it, nation first."""
        codes = [c for c in self.path.split("/") if c]
        return Division.objects.filter(code__in=codes).order_by("level")


class PathPrefix(models.Lookup):
    """``path__prefix="000000/430000/"``: a prefix match the database answers from the path
    index. SQLite uses GLOB (its LIKE with ESCAPE, as Django writes it, scans the table);
    PostgreSQL uses LIKE with the ``varchar_pattern_ops`` index Django adds for indexed
    CharFields. Paths hold only letters, digits and "/", so no wildcard needs escaping."""

    lookup_name = "prefix"

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        if not all(ch.isalnum() or ch == "/" for ch in prefix):
            raise ValueError(f"not a division path: {prefix!r}")
        operator, pattern = ("GLOB", prefix + "*") if connection.vendor == "sqlite" else ("LIKE", prefix + "%")
        return f"{lhs} {operator} %s", [*lhs_params, pattern]


Division._meta.get_field("path").register_lookup(PathPrefix)


class Unit(models.Model):
    """An office attached to a division. The types are one list here: a deployment that needs
    another type adds a line (and a translation); nothing else depends on the set."""

    class Type(models.TextChoices):
        ANTI_GANG_OFFICE = "anti_gang_office", _("anti-gang office")
        PUBLIC_SECURITY = "public_security", _("public security bureau")
        PROCURATORATE = "procuratorate", _("procuratorate")
        DISCIPLINE = "discipline", _("discipline inspection commission")
        COURT = "court", _("court")
        INDUSTRY = "industry_authority", _("industry authority")

    name = models.CharField(max_length=128)
    type = models.CharField(max_length=32, choices=Type.choices, default=Type.ANTI_GANG_OFFICE)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    active = models.BooleanField(default=True)

    # scoping (cluedesk.org.access): a person sees the units they belong to, not a territory
    scope_field = None
    scope_unit_field = "pk"

    class Meta:
        ordering = ["division__path", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_field = None
    scope_unit_field = "unit"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.role}"


class SignInFailure(models.Model):
    """A failed sign-in step, for lockout. Only keyed hashes (HMAC with the server secret) of the
    username and of the client address are kept, never the values themselves."""

    username_hash = models.CharField(max_length=64, db_index=True)
    client_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"failure at {self.at:%Y-%m-%d %H:%M}"
