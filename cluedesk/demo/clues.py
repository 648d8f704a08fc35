"""Walk a few demo clues through the lifecycle with the real services, so a demo shows every state.

``run_demo_lifecycle()`` takes new clues (oldest first) and, one per scenario, moves them:
reviewed after a local verification; concluded after an off-site one; drafted with two of three
signatures after an upgraded one; in verification with a note and a pending extension;
screened and waiting for dispatch; closed as invalid. People are found by role in the clue's
home unit (the unit of the deepest division above the clue) or above it — the demo organization
has one person per role per unit. Every step is a service call, so the ledger stays verifiable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cluedesk.clues import services
from cluedesk.clues.conflicts import barred_unit_ids
from cluedesk.clues.models import Clue
from cluedesk.clues.workflow import SIGNATORY_ROLES, division_ancestors
from cluedesk.org.models import Membership, Role, Unit

SCENARIOS = ["reviewed", "concluded", "signing", "verifying", "screened", "invalid"]


def _home_unit(clue: Clue) -> Unit | None:
    codes = division_ancestors(clue.division)
    barred = barred_unit_ids(clue)
    units = [u for u in Unit.objects.filter(division_id__in=codes, active=True).select_related("division")
             if u.pk not in barred]
    units.sort(key=lambda u: -u.division.level)
    return units[0] if units else None


def _person(units: Iterable[int], role: str, *, not_user: Any = None) -> Any:
    """Someone holding ``role`` in the nearest of ``units`` (ordered nearest first)."""
    for unit_id in units:
        m = (Membership.objects.filter(unit_id=unit_id, role=role, user__is_active=True)
             .exclude(user=not_user).select_related("user").order_by("user__username").first())
        if m is not None:
            return m.user
    raise LookupError(f"no {role} at or above unit(s) {list(units)}")


def _chain(unit: Unit) -> list[int]:
    """The unit, then its parent, and so on up."""
    chain = [unit.pk]
    while unit.parent_id is not None:
        unit = Unit.objects.get(pk=unit.parent_id)
        chain.append(unit.pk)
    return chain


def _team(clue: Clue, mode: str, home: Unit) -> Unit | None:
    if mode == "local":
        return home
    options = services.assignment_options(clue)[mode]
    if mode == "upgraded":
        options.sort(key=lambda u: -u.division.level)  # the level just above first
    else:
        options.sort(key=lambda u: (u.division.level != home.division.level, u.division.path))
    return options[0] if options else None


def _walk(clue: Clue, scenario: str, mode: str) -> str:
    home = _home_unit(clue)
    if home is None:
        raise LookupError(f"no unit covers clue {clue.public_id}")
    up = _chain(home)
    clue.division = home.division  # what screening will set; lets the team be found before any write
    team = _team(clue, mode, home)
    if team is None and scenario not in ("invalid", "screened"):
        raise LookupError(f"no {mode} unit for clue {clue.public_id}")
    reviewer = _person(up, Role.INTAKE_REVIEWER)
    if scenario == "invalid":
        services.screen_invalid(clue, acting_user=reviewer, reason="No verifiable facts (demo).")
        return Clue.State.INVALID
    services.screen_valid(clue, acting_user=reviewer, division=home.division.code,
                          priority="high" if scenario in ("reviewed", "signing") else "normal")
    if scenario == "screened":
        return Clue.State.SCREENED
    assert team is not None
    dispatcher = _person(up, Role.DISPATCHER)
    services.assign(clue, acting_user=dispatcher, unit=team, mode=mode, reason=f"Demo: {mode} handling.")
    team_chain = _chain(team)
    verifier = _person([team.pk], Role.VERIFIER)
    services.start_verification(clue, acting_user=verifier)
    services.add_note(clue, acting_user=verifier, kind="interview",
                      text="Interviewed two witnesses near the site; accounts agree on dates and names (demo).")
    if scenario == "verifying":
        services.request_extension(clue, acting_user=verifier, days=15, reason="Waiting for bank records (demo).")
        return Clue.State.VERIFYING
    services.draft_conclusion(
        clue, acting_user=verifier, finding="substantiated" if scenario == "reviewed" else "partly",
        outcome="criminal_case" if scenario == "reviewed" else "admin_penalty",
        case_number=f"DEMO-2026-{clue.pk:04d}" if scenario == "reviewed" else "",
        summary="Witness statements and site visit confirm the main facts (demo).",
        public_wording="Your report was verified and the matter has been dealt with according to law.")
    signers = [_person(team_chain, role, not_user=verifier) for role in SIGNATORY_ROLES]
    for signer in signers[: 2 if scenario == "signing" else 3]:
        services.sign(clue, acting_user=signer)
    if scenario == "signing":
        return Clue.State.DRAFTED
    services.conclude(clue, acting_user=dispatcher)
    if scenario == "concluded":
        return Clue.State.CONCLUDED
    supervisor = _person(up, Role.SUPERVISOR)
    services.review_keep(clue, acting_user=supervisor, reason="Handling checked on the record (demo).")
    return Clue.State.REVIEWED


def _fits(clue: Clue, mode: str) -> bool:
    home = _home_unit(clue)
    if home is None:
        return False
    clue.division = home.division
    return _team(clue, mode, home) is not None


def run_demo_lifecycle(clues: Iterable[Clue] | None = None, *, limit: int = len(SCENARIOS)) -> list[tuple[str, str]]:
    """Walk up to ``limit`` new clues through the scenarios; returns ``[(public_id, state)]``.

    Scenario i is handled local, off-site, upgraded in turn; when no clue fits the off-site or
    upgraded mode (say, every clue is covered only by the national office), that scenario runs
    locally instead. A clue that no unit covers is skipped."""
    pool = list(clues) if clues is not None else list(
        Clue.objects.filter(state=Clue.State.NEW, division__isnull=False).order_by("created_at"))
    modes = ["local", "offsite", "upgraded"]
    done: list[tuple[str, str]] = []
    for i in range(min(limit, len(SCENARIOS) * 3)):
        scenario = SCENARIOS[i % len(SCENARIOS)]
        for mode in (modes[i % len(modes)], "local"):
            clue = next((c for c in pool if _fits(c, mode)), None)
            if clue is not None:
                break
        if clue is None:
            break
        pool.remove(clue)
        clue.refresh_from_db()
        done.append((clue.public_id, _walk(clue, scenario, mode)))
    return done


__all__ = ["run_demo_lifecycle", "SCENARIOS"]
