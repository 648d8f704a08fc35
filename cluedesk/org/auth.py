"""Staff sign-in: password, then a TOTP code (or a recovery code); lockout; re-authentication.

Lockout counts failed steps (password, code, re-authentication), keyed by an HMAC of the username
and an HMAC of the client address with the server secret: neither a raw username of a failed
attempt nor a raw address is ever stored.

* Per username, with back-off: the fifth failure (CLUEDESK_LOCKOUT_FAILURES) locks the username for
  fifteen minutes (CLUEDESK_LOCKOUT_SECONDS), and each further failure after a lock has passed
  doubles it, up to six hours (CLUEDESK_LOCKOUT_MAX_SECONDS). Failures are remembered for a day;
  a completed sign-in forgets them.
* Per client address, a higher threshold: fifty failures (CLUEDESK_LOCKOUT_CLIENT_FAILURES) for all
  usernames together in fifteen minutes lock the address. Colleagues behind one NAT or proxy are
  not locked out by one person's typos, and one address cannot spray passwords over many names.
  The address is the peer's, or behind trusted proxies (CLUEDESK_TRUSTED_PROXIES) the right-most
  one they did not add (cluedesk/org/clients.py).

Every sign-in, failure, lockout, enrolment and re-authentication is one ledger event.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cluedesk.ledger.services import Actor, record

from .access import grant_sudo, next_sign_in_step
from .clients import client_address
from .models import SignInFailure

RECOVERY_CODES = 10
FAILURE_MEMORY = timedelta(days=1)  # failures older than this no longer lengthen a lock
SIGNED_IN_AT = "cluedesk_signed_in_at"
LAST_SEEN = "cluedesk_last_seen"
SESSION_ENDED = "cluedesk_session_ended"


def lockout_failures() -> int:
    return int(settings.CLUEDESK_LOCKOUT_FAILURES)


def lockout_seconds() -> int:
    return int(settings.CLUEDESK_LOCKOUT_SECONDS)


def client_lockout_failures() -> int:
    return int(settings.CLUEDESK_LOCKOUT_CLIENT_FAILURES)


def keyed_hash(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def username_hash(username: str) -> str:
    return keyed_hash("username", username.strip().lower())


def client_hash(request: HttpRequest) -> str:
    return keyed_hash("client", client_address(request))


def username_locked_until(user_key: str) -> datetime | None:
    """When the username's lock ends (None when it has none): the base lock from the failure that
    reached the limit, doubled for each failure beyond it, counted from the latest failure."""
    now = timezone.now()
    times = list(SignInFailure.objects.filter(username_hash=user_key, at__gte=now - FAILURE_MEMORY)
                 .order_by("-at").values_list("at", flat=True)[:64])
    beyond = len(times) - lockout_failures()
    if beyond < 0:
        return None
    seconds = min(lockout_seconds() * 2 ** min(beyond, 32), settings.CLUEDESK_LOCKOUT_MAX_SECONDS)
    until: datetime = times[0] + timedelta(seconds=seconds)
    return until if until > now else None


def client_locked(client_key: str) -> bool:
    since = timezone.now() - timedelta(seconds=lockout_seconds())
    return SignInFailure.objects.filter(client_hash=client_key, at__gte=since).count() >= client_lockout_failures()


def is_locked(user_key: str, client_key: str) -> bool:
    return username_locked_until(user_key) is not None or client_locked(client_key)


def _fail(user_key: str, client_key: str, stage: str, actor: Actor) -> bool:
    """Record one failed step (inside the caller's transaction); True when it locks the key now."""
    now = timezone.now()
    SignInFailure.objects.create(username_hash=user_key, client_hash=client_key, at=now)
    SignInFailure.objects.filter(at__lt=now - FAILURE_MEMORY).delete()
    locked = is_locked(user_key, client_key)
    verb = "staff.locked_out" if locked else "staff.signin_failed"
    record(verb, actor=actor, subject_type="staff", subject_id=user_key[:16],
           data={"username_hash": user_key, "stage": stage})
    return locked


@dataclass
class StepResult:
    ok: bool
    locked: bool = False
    next_url: str = ""


def sign_in_password(request: HttpRequest, username: str, password: str) -> StepResult:
    """First step. On success the session is signed in but not verified (second factor next)."""
    user_key, client_key = username_hash(username), client_hash(request)
    if is_locked(user_key, client_key):
        return StepResult(False, locked=True)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        with transaction.atomic():
            locked = _fail(user_key, client_key, "password", Actor.system("sign-in"))
        return StepResult(False, locked=locked)
    django_login(request, user)
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
    return StepResult(True, next_url=next_sign_in_step(request))


def _clear_failures(user: Any) -> None:
    SignInFailure.objects.filter(username_hash=username_hash(user.get_username())).delete()


def verify_code(request: HttpRequest, code: str) -> StepResult:
    """Second step: a TOTP code or an unused recovery code."""
    user = request.user
    user_key, client_key = username_hash(user.get_username()), client_hash(request)
    if is_locked(user_key, client_key):
        django_logout(request)
        return StepResult(False, locked=True)
    code = "".join(code.split())
    with transaction.atomic():
        device: Any = None
        if code.isdigit() and len(code) == 6:
            device = next((d for d in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
                           if d.verify_token(code)), None)
        elif code:
            device = next((d for d in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
                           if d.verify_token(code.lower())), None)
        if device is None:
            locked = _fail(user_key, client_key, "code", Actor.staff(user))
        else:
            otp_login(request, device)
            _clear_failures(user)
            factor = "recovery_code" if isinstance(device, StaticDevice) else "totp"
            data: dict[str, Any] = {"factor": factor}
            if factor == "recovery_code":
                data["recovery_codes_left"] = device.token_set.count()
            record("staff.signed_in", actor=Actor.staff(user), subject_type="staff", subject_id=str(user.pk), data=data)
            return StepResult(True, next_url="/staff/")
    if locked:
        django_logout(request)
    return StepResult(False, locked=locked)


def pending_totp_device(user: Any) -> TOTPDevice:
    """The unconfirmed device a person enrols with; created on first use. Enrolment is open only
    while the person has no confirmed device (a lost phone needs an admin reset)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm_enrolment(request: HttpRequest, code: str) -> tuple[StepResult, list[str]]:
    """Confirm the pending device with a code; returns the recovery codes to show once."""
    user = request.user
    user_key, client_key = username_hash(user.get_username()), client_hash(request)
    if is_locked(user_key, client_key):
        django_logout(request)
        return StepResult(False, locked=True), []
    code = "".join(code.split())
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return StepResult(False, next_url="/staff/login/code/"), []
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        if device is None or not (code.isdigit() and len(code) == 6 and device.verify_token(code)):
            locked = _fail(user_key, client_key, "enrolment", Actor.staff(user))
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            StaticDevice.objects.filter(user=user).delete()
            static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
            codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
            StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
            otp_login(request, device)
            _clear_failures(user)
            record("staff.totp_enrolled", actor=Actor.staff(user), subject_type="staff", subject_id=str(user.pk),
                   data={"recovery_codes": RECOVERY_CODES, "signed_in": True})
            return StepResult(True, next_url="/staff/"), codes
    if locked:
        django_logout(request)
    return StepResult(False, locked=locked), []


def reauthenticate(request: HttpRequest, password: str, code: str) -> StepResult:
    """Sudo: password and a fresh TOTP code; opens sensitive acts for a few minutes."""
    user = request.user
    user_key, client_key = username_hash(user.get_username()), client_hash(request)
    if is_locked(user_key, client_key):
        return StepResult(False, locked=True)
    code = "".join(code.split())
    with transaction.atomic():
        ok = user.check_password(password) and code.isdigit() and len(code) == 6 and any(
            d.verify_token(code) for d in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
        if not ok:
            locked = _fail(user_key, client_key, "sudo", Actor.staff(user))
            return StepResult(False, locked=locked)
        grant_sudo(request)
        record("staff.sudo", actor=Actor.staff(user), subject_type="staff", subject_id=str(user.pk),
               data={"seconds": int(settings.CLUEDESK_SUDO_SECONDS)})
    return StepResult(True)


def sign_out(request: HttpRequest, reason: str = "signed_out") -> None:
    user = request.user
    if user.is_authenticated:
        with transaction.atomic():
            record("staff.signed_out", actor=Actor.staff(user), subject_type="staff", subject_id=str(user.pk),
                   data={"reason": reason})
    django_logout(request)


def demo_totp_code(username: str) -> str:
    """The current code of a demo user's authenticator (confirmed, else the pending one)."""
    if not settings.DEMO:
        raise PermissionError("demo-totp works only when CLUEDESK_DEMO is on")
    from django_otp.oath import TOTP

    user = get_user_model().objects.get(username=username)
    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or pending_totp_device(user))
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"
