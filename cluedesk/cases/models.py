"""The registers of major cases (重大案件 / 挂牌督办), umbrella investigations (保护伞) and target
fugitives (目标逃犯). Every row is scoped by its ``division`` (a unit sees its division's
subtree, see ``cluedesk.org.access``); every change goes through ``services`` and leaves one
ledger event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """The last number handed out per register, division and year (rows locked while numbering)."""

    kind = models.CharField(max_length=12)
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "division", "year"], name="one_counter_per_cell")]

    def __str__(self) -> str:
        return f"{self.kind} {self.division_id} {self.year}: {self.last}"


class MajorCase(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("national")
        PROVINCIAL = "provincial", _("provincial")
        CITY = "city", _("city")

    number = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    level = models.CharField(max_length=12, choices=Level.choices, default=Level.CITY)
    listed = models.BooleanField(default=False, help_text="listed for supervision (挂牌督办)")
    listed_on = models.DateField(null=True, blank=True)
    units = models.ManyToManyField("org.Unit", related_name="+", blank=True)
    clues = models.ManyToManyField("clues.Clue", related_name="major_cases", blank=True)
    no_umbrella = models.BooleanField(default=False, help_text="a gang with no umbrella found yet (有黑无伞)")
    no_umbrella_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True, help_text="a joint working group was sent")
    working_group = models.ManyToManyField("org.Unit", related_name="+", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["listed", "opened_on"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Stage(models.TextChoices):
    """The stages of a case, in the only order they may follow (appeal may be skipped)."""

    INVESTIGATION = "investigation", _("investigation")
    REVIEW = "review", _("prosecution review")
    PROSECUTION = "prosecution", _("prosecution")
    TRIAL = "trial", _("first-instance trial")
    APPEAL = "appeal", _("appeal")
    ENFORCEMENT = "enforcement", _("enforcement and asset disposal")


STAGE_ORDER: list[str] = list(Stage.values)
OPTIONAL_STAGES = {Stage.APPEAL.value}


class CaseStage(models.Model):
    case = models.ForeignKey(MajorCase, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    position = models.PositiveSmallIntegerField()
    started_on = models.DateField()
    deadline = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    scope_field = "case__division"
    scope_clue_field = ""

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["case", "stage"], name="one_row_per_case_stage")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}"


class Suspect(models.Model):
    """A suspect. Where the person is also a reporter of a linked clue their name is sealed to the
    custodian's key (as intake seals identities) and only a label is kept in clear."""

    class Role(models.TextChoices):
        LEADER = "leader", _("leader")
        MEMBER = "member", _("member")
        OTHER = "other", _("other")

    case = models.ForeignKey(MajorCase, on_delete=models.CASCADE, related_name="suspects")
    name = models.CharField(max_length=64, blank=True)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    is_reporter = models.BooleanField(default=False)
    sealed_identity = models.BinaryField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    scope_field = "case__division"
    scope_clue_field = ""

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or "(sealed)"


class UmbrellaCase(models.Model):
    """An investigation of officials shielding a gang or corrupt in connection with one (保护伞)."""

    number = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    handling_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      help_text="the discipline body that investigates")
    opened_on = models.DateField()
    cases = models.ManyToManyField(MajorCase, related_name="umbrella_cases", blank=True)
    clues = models.ManyToManyField("clues.Clue", related_name="umbrella_cases", blank=True)
    summary = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["opened_on"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Official(models.Model):
    """An official under an umbrella investigation, and what came of it (each outcome dated)."""

    case = models.ForeignKey(UmbrellaCase, on_delete=models.CASCADE, related_name="officials")
    name = models.CharField(max_length=64)
    position = models.CharField(max_length=120)
    organisation = models.CharField(max_length=120)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="the official's unit, when it is a registered unit")
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    discipline_on = models.DateField(null=True, blank=True)
    discipline = models.CharField(max_length=120, blank=True, help_text="party discipline imposed")
    sanction_on = models.DateField(null=True, blank=True)
    sanction = models.CharField(max_length=120, blank=True, help_text="administrative (government) sanction")
    transferred_on = models.DateField(null=True, blank=True, help_text="transferred to judicial organs")

    scope_field = "case__division"
    scope_clue_field = ""

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["discipline_on"]), models.Index(fields=["sanction_on"]),
                   models.Index(fields=["transferred_on"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.position})"

    @property
    def sanctioned_on(self) -> object:
        dates = [d for d in (self.discipline_on, self.sanction_on) if d]
        return min(dates) if dates else None


class Fugitive(models.Model):
    class Status(models.TextChoices):
        AT_LARGE = "at_large", _("at large")
        ARRESTED = "arrested", _("arrested")
        SURRENDERED = "surrendered", _("surrendered")
        PERSUADED = "persuaded", _("persuaded to return")
        DECEASED = "deceased", _("deceased")

    CAUGHT = ("arrested", "surrendered", "persuaded")

    number = models.CharField(max_length=32, unique=True)
    case = models.ForeignKey(MajorCase, on_delete=models.PROTECT, related_name="fugitives")
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=64)
    sex = models.CharField(max_length=1, blank=True, choices=[("m", _("male")), ("f", _("female"))])
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sealed_identity = models.BinaryField(null=True, blank=True, help_text="ID number and other sealed fields")
    id_hint = models.CharField(max_length=8, blank=True, help_text="last four characters of the ID number")
    at_large_since = models.DateField()
    listed_on = models.DateField(help_text="when the person became a target fugitive")
    residence = models.CharField(max_length=120, blank=True)
    household = models.CharField(max_length=120, blank=True, help_text="household registration place (户籍地)")
    abroad = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AT_LARGE)
    status_on = models.DateField(null=True, blank=True, help_text="date of the current status (when not at large)")
    created_at = models.DateTimeField()

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        ordering = ["-listed_on", "-id"]
        indexes = [models.Index(fields=["listed_on"]), models.Index(fields=["status", "status_on"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def caught(self) -> bool:
        return self.status in self.CAUGHT
