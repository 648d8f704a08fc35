"""Routing: the unit that should handle a clue, from its division, never one it implicates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cluedesk.org.models import Unit


def implicated_units(implicated: Iterable[Any]) -> list[str]:
    """The unit names in a clue's implicated list: an official's unit as named in the text
    ({"who", "unit_type", "unit"}), or a unit name (rows written before officials were kept)."""
    names = []
    for item in implicated or ():
        name = item.get("unit") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and name not in names:
            names.append(name.strip())
    return names


def merge_implicated(old: Iterable[Any], new: Iterable[dict[str, Any]], limit: int = 12) -> list[Any]:
    """The clue's implicated officials with a report's added (the same official and unit once)."""
    out = list(old or [])
    seen = {(i.get("who"), i.get("unit")) if isinstance(i, dict) else (None, i) for i in out}
    for item in new:
        key = (item.get("who"), item.get("unit"))
        if key not in seen and len(out) < limit:
            out.append(dict(item))
            seen.add(key)
    return out


def _implicated_ids(units: list[Any], implicated: Iterable[str]) -> set[int]:
    names = [n for n in implicated if n]
    bad = {u.pk for u in units if any(n in u.name or u.name in n for n in names)}
    # subordinates of an implicated unit are barred too
    changed = True
    while changed:
        changed = False
        for u in units:
            if u.pk not in bad and u.parent_id in bad:
                bad.add(u.pk)
                changed = True
    return bad


def suggest_unit(division_code: str, implicated: Iterable[str] = ()) -> Any:
    """The anti-gang office (else any active unit) of the division, walking up to the city and
    the province when the county has none; ``None`` when nothing fits."""
    if not division_code:
        return None
    chain = [division_code]
    if division_code.endswith("00") is False:
        chain.append(division_code[:4] + "00")
    if not division_code.endswith("0000"):
        chain.append(division_code[:2] + "0000")
    units = list(Unit.objects.filter(active=True, division__code__in=chain))
    if not units:
        return None
    names = [n for n in implicated if n]
    # the whole unit tree is read only when some unit is implicated (most clues implicate none)
    bad = _implicated_ids(list(Unit.objects.filter(active=True).only("pk", "name", "parent_id")), names) \
        if names else set()
    order = {code: i for i, code in enumerate(chain)}
    fit = [u for u in units if u.pk not in bad]
    fit.sort(key=lambda u: (order.get(u.division_id, 9), u.type != "anti_gang_office", u.pk))
    return fit[0] if fit else None
