"""Administrative divisions, units and staff roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """An administrative division (GB/T 2260 code). ``path`` is the chain of codes from the
    root, so a subtree is one indexed prefix query: ``path__startswith``."""

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


class Unit(models.Model):
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

    class Meta:
        ordering = ["division__path", "name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    INTAKE_REVIEWER = "intake_reviewer", _("intake reviewer")
    DISPATCHER = "dispatcher", _("dispatcher")
    VERIFIER = "verifier", _("verifier")
    SIGNATORY_1 = "signatory_1", _("signatory: head of the verifying team")
    SIGNATORY_2 = "signatory_2", _("signatory: head of the office")
    SIGNATORY_3 = "signatory_3", _("signatory: responsible leader")
    SUPERVISOR = "supervisor", _("supervisor")
    AUDITOR = "auditor", _("auditor")
    CUSTODIAN = "custodian", _("custodian")
    INDUSTRY_LIAISON = "industry_liaison", _("industry liaison")
    ADMIN = "admin", _("unit admin")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.role}"
