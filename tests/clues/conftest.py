"""A small country for the workflow tests, with named staff in every role.

Divisions: nation 000000 > province 430000 > city 430100 > counties 430102, 430103; city 430200.
Units: national office > province office > city office C1 > county offices K1, K2; city office C2.
A clue about county 430102 is local to K1, off-site for K2 or C2, upgraded for C1, P or N.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from cluedesk.clues import search
from cluedesk.clues.models import Clue
from cluedesk.org.models import Division, Membership, Role, Unit


def division(code: str, name: str, level: int, parent: Division | None) -> Division:
    path = (parent.path if parent else "") + code + "/"
    return Division.objects.create(code=code, name=name, level=level, parent=parent, path=path)


def make_staff(username: str, unit: Unit, *roles: str) -> Any:
    user = get_user_model().objects.create_user(username=username, password=None)
    for role in roles:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def login_verified(client: Client, user: Any) -> Client:
    """Sign in past the second factor, as the sign-in views would (django_otp's session key)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@dataclass
class World:
    divisions: dict[str, Division] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def clue(self, state: str = Clue.State.NEW, division: str = "430102", **kw: Any) -> Clue:
        clue = Clue.objects.create(state=state, division=self.divisions[division], **kw)
        if clue.title:
            search.reindex(clue)  # as the screening verb does when it sets a title
        return clue


@pytest.fixture
def world(db: Any) -> World:
    w = World()
    d = w.divisions
    d["000000"] = division("000000", "Nation", 0, None)
    d["430000"] = division("430000", "Hunan", 1, d["000000"])
    d["430100"] = division("430100", "Changsha", 2, d["430000"])
    d["430102"] = division("430102", "Furong", 3, d["430100"])
    d["430103"] = division("430103", "Tianxin", 3, d["430100"])
    d["430200"] = division("430200", "Zhuzhou", 2, d["430000"])
    u = w.units
    u["N"] = Unit.objects.create(name="National office", division=d["000000"])
    u["P"] = Unit.objects.create(name="Hunan office", division=d["430000"], parent=u["N"])
    u["C1"] = Unit.objects.create(name="Changsha office", division=d["430100"], parent=u["P"])
    u["K1"] = Unit.objects.create(name="Furong office", division=d["430102"], parent=u["C1"])
    u["K2"] = Unit.objects.create(name="Tianxin office", division=d["430103"], parent=u["C1"])
    u["C2"] = Unit.objects.create(name="Zhuzhou office", division=d["430200"], parent=u["P"])
    p = w.people
    # county K1: the whole local chain
    p["reviewer"] = make_staff("reviewer", u["K1"], Role.INTAKE_REVIEWER)
    p["dispatcher"] = make_staff("dispatcher", u["K1"], Role.DISPATCHER)
    p["verifier"] = make_staff("verifier", u["K1"], Role.VERIFIER)
    p["verifier_b"] = make_staff("verifier_b", u["K1"], Role.VERIFIER)
    p["sig1"] = make_staff("sig1", u["K1"], Role.SIGNATORY_1)
    p["sig2"] = make_staff("sig2", u["K1"], Role.SIGNATORY_2)
    p["sig3"] = make_staff("sig3", u["C1"], Role.SIGNATORY_3)  # the responsible leader sits above
    # county K2: an off-site team
    p["verifier_k2"] = make_staff("verifier_k2", u["K2"], Role.VERIFIER)
    p["sig1_k2"] = make_staff("sig1_k2", u["K2"], Role.SIGNATORY_1)
    p["sig2_k2"] = make_staff("sig2_k2", u["K2"], Role.SIGNATORY_2)
    # city C1: dispatch above, an upgraded team, supervision
    p["dispatcher_c1"] = make_staff("dispatcher_c1", u["C1"], Role.DISPATCHER)
    p["verifier_c1"] = make_staff("verifier_c1", u["C1"], Role.VERIFIER)
    p["sig1_c1"] = make_staff("sig1_c1", u["C1"], Role.SIGNATORY_1)
    p["sig2_c1"] = make_staff("sig2_c1", u["C1"], Role.SIGNATORY_2)
    p["supervisor"] = make_staff("supervisor", u["C1"], Role.SUPERVISOR)
    p["auditor"] = make_staff("auditor", u["P"], Role.AUDITOR)
    # city C2: outsiders to the clue's territory
    p["verifier_c2"] = make_staff("verifier_c2", u["C2"], Role.VERIFIER)
    p["dispatcher_c2"] = make_staff("dispatcher_c2", u["C2"], Role.DISPATCHER)
    return w
