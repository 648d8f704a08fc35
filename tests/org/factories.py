"""Named staff in named places, for every app's tests.

    from tests.org.factories import make_staff, login_verified, make_unit, world

    unit = make_unit("Liuyang anti-gang office", "430181")
    alice = make_staff("alice", unit, "verifier")
    client = login_verified(Client(), alice)            # signed in, second factor verified
    client = login_verified(Client(), alice, sudo=True)  # ... and freshly re-authenticated

``world()`` builds a small country: the nation, 湖南省 → 长沙市 → 浏阳市 (in scope) and
芙蓉区 (a sibling county: out of scope), with one unit per division and, in the Liuyang
county unit, one person per role (``w.staff["verifier"]``), plus a clue in each county.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cluedesk.org.access import SUDO_SESSION_KEY
from cluedesk.org.auth import LAST_SEEN, SIGNED_IN_AT
from cluedesk.org.models import ROOT_CODE, Division, Membership, Role, Unit

TREE = {
    ROOT_CODE: ("全国", None, 0),
    "430000": ("湖南省", ROOT_CODE, 1),
    "430100": ("长沙市", "430000", 2),
    "430181": ("浏阳市", "430100", 3),
    "430102": ("芙蓉区", "430100", 3),
    "440000": ("广东省", ROOT_CODE, 1),
    "440100": ("广州市", "440000", 2),
    "440113": ("番禺区", "440100", 3),
}


def make_division(code: str) -> Division:
    """A division from the small built-in tree (ancestors created as needed), or a loaded one."""
    existing = Division.objects.filter(code=code).first()
    if existing is not None:
        return existing
    name, parent_code, level = TREE[code]
    parent = make_division(parent_code) if parent_code else None
    path = (parent.path if parent else "") + code + "/"
    return Division.objects.create(code=code, name=name, level=level, parent=parent, path=path)


def make_unit(name: str, division_code: str, parent: Unit | None = None,
              type: str = Unit.Type.ANTI_GANG_OFFICE) -> Unit:
    return Unit.objects.create(name=name, division=make_division(division_code), parent=parent, type=type)


def make_staff(username: str, unit: Unit, *roles: str, password: str | None = None) -> Any:
    """A staff member of ``unit`` holding ``roles`` (no password unless given; Django's is_staff
    stays False: the Django admin is for the superuser only)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=password, first_name=username)
    for role in roles:
        Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return user


def totp_device(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def login_verified(client: Client, user: Any, *, sudo: bool = False) -> Client:
    """Sign ``client`` in as ``user`` with a verified second factor (and optionally sudo)."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    if sudo:
        session[SUDO_SESSION_KEY] = now + 300
    session.save()
    return client


@dataclass
class World:
    nation: Unit
    province: Unit
    city: Unit
    county: Unit          # 浏阳市 — the "in scope" place
    other_county: Unit    # 芙蓉区 — a sibling county: "out of scope" for county staff
    staff: dict[str, Any] = field(default_factory=dict)         # role -> person in ``county``
    other_staff: dict[str, Any] = field(default_factory=dict)   # role -> person in ``other_county``
    clue_in: Any = None
    clue_out: Any = None


def world(with_clues: bool = True) -> World:
    nation = make_unit("National anti-gang office", ROOT_CODE)
    province = make_unit("Hunan anti-gang office", "430000", parent=nation)
    city = make_unit("Changsha anti-gang office", "430100", parent=province)
    county = make_unit("Liuyang anti-gang office", "430181", parent=city)
    other = make_unit("Furong anti-gang office", "430102", parent=city)
    w = World(nation, province, city, county, other)
    for role in Role.values:
        w.staff[role] = make_staff(f"liuyang-{role}", county, role)
        w.other_staff[role] = make_staff(f"furong-{role}", other, role)
    if with_clues:
        from cluedesk.clues.models import Clue

        w.clue_in = Clue.objects.create(division=county.division)
        w.clue_out = Clue.objects.create(division=other.division)
    return w
