"""Demo organization: a national office, two provinces, four cities and three counties (real
GB/T 2260 codes), each unit with one named person in every role.

``seed_org(rng)`` returns ``[(username, password, roles, unit name)]`` for the people it created;
a person who exists already is listed with an empty password (theirs is unchanged). Idempotent.
Usernames are ``<place>-<role>``: ``liuyang-verifier``, ``changsha-custodian``, ``national-admin``.
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model

from cluedesk.ledger.services import Actor
from cluedesk.org.divisions import ensure_divisions
from cluedesk.org.models import ROOT_CODE, Division, Role, Unit
from cluedesk.org.services import add_staff_member, create_unit

# (slug, division code, unit name, parent slug)
UNITS: list[tuple[str, str, str, str | None]] = [
    ("national", ROOT_CODE, "全国扫黑办", None),
    ("hunan", "430000", "湖南省扫黑办", "national"),
    ("changsha", "430100", "长沙市扫黑办", "hunan"),
    ("yueyang", "430600", "岳阳市扫黑办", "hunan"),
    ("liuyang", "430181", "浏阳市扫黑办", "changsha"),
    ("pingjiang", "430626", "平江县扫黑办", "yueyang"),
    ("guangdong", "440000", "广东省扫黑办", "national"),
    ("guangzhou", "440100", "广州市扫黑办", "guangdong"),
    ("shenzhen", "440300", "深圳市扫黑办", "guangdong"),
    ("panyu", "440113", "广州市番禺区扫黑办", "guangzhou"),
]

ROLE_SLUGS = {
    Role.INTAKE_REVIEWER: "intake", Role.DISPATCHER: "dispatcher", Role.VERIFIER: "verifier",
    Role.SIGNATORY_1: "signatory1", Role.SIGNATORY_2: "signatory2", Role.SIGNATORY_3: "signatory3",
    Role.SUPERVISOR: "supervisor", Role.AUDITOR: "auditor", Role.CUSTODIAN: "custodian",
    Role.INDUSTRY_LIAISON: "liaison", Role.ADMIN: "admin",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建国",
         "晓东", "丽", "强"]
ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def seed_org(rng: random.Random) -> list[tuple[str, str, list[str], str]]:
    ensure_divisions(Actor.system("demo"))
    missing = {code for _s, code, _n, _p in UNITS} - set(
        Division.objects.filter(code__in=[c for _s, c, _n, _p in UNITS]).values_list("code", flat=True))
    if missing:
        raise RuntimeError(f"divisions {sorted(missing)} are not loaded: run `cluedesk load-divisions`")
    User = get_user_model()
    units: dict[str, Unit] = {}
    people: list[tuple[str, str, list[str], str]] = []
    actor = Actor.system("demo")
    for slug, code, name, parent in UNITS:
        unit = Unit.objects.filter(name=name, division_id=code).first()
        if unit is None:
            unit = create_unit(acting=actor, name=name, division=Division.objects.get(code=code),
                               parent=units[parent] if parent else None)
        units[slug] = unit
        for role, role_slug in ROLE_SLUGS.items():
            username = f"{slug}-{role_slug}"
            full_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            password = "".join(rng.choice(ALPHABET) for _ in range(16))
            existing = User.objects.filter(username=username).first()
            if existing is not None:
                people.append((username, "", [role.value], name))
                continue
            add_staff_member(acting_user=None, unit=unit, username=username, full_name=full_name, roles=[role],
                             actor=actor, password=password)
            people.append((username, password, [role.value], name))
    return people


def describe(people: list[Any]) -> str:
    """A table for the console: who can sign in as what."""
    lines = [f"{'username':24} {'password':18} {'role':18} unit"]
    for username, password, roles, unit in people:
        lines.append(f"{username:24} {password or '(unchanged)':18} {','.join(roles):18} {unit}")
    return "\n".join(lines)
