"""Entities in a normalized tip: people, dates, places, amounts, phones, ID cards, plates, cards."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .places import mentions

# the common Chinese surnames (single and double), enough to anchor "X某" style names
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
    "廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邱逯揭"
)
DOUBLE_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐")

_NAME = re.compile(
    r"(欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|[\u4e00-\u9fff])"
    r"(\d?)某(某|[甲乙丙丁戊己庚辛壬癸]|\d(?![\d年月日]))?"
)
# a name masked by the source: 黄××, 王×1, 张XX, 李X (after NFKC: ×, X, x or *), read as the
# surname, one × per masked character and the digit; not when the "surname" ends a word (构成××罪,
# 实施××, 手段××, 宝马X5) or the mask is an address or a measure (香泾路XXX号, 8厘米×7厘米)
_MASKED = re.compile(r"([\u4e00-\u9fff])([×xX*]{1,3})(\d(?=(?:19|20)\d\d年)|\d(?![\d年月日]))?(?![A-Za-z×*])"
                     r"(?!罪|号|弄|室|栋|楼|米|路|街|区|县|市|镇|乡|村)")
_MASKED_NOT = set("区计车成施路米门市")  # surnames more often the end of a word before a mask
_MASKED_STOP = {"手段", "阶段", "地段", "宝马"}
_YMD = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})[日号])?")
_MD = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万)?(?:余)?元")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d[\d×*]{4}\d{4}(?!\d)")
_IDCARD = re.compile(r"(?<!\d)\d{6}(?:19|20)[\d×*]{9}[\dX](?!\d)")
_CARD = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][·.]?[A-Z0-9×*]{5,6}")
# a place word: the two characters before a place suffix make a stable fingerprint of it
_LOCAL = re.compile(r"([\u4e00-\u9fff]{2})(街道|社区|小区|大道|广场|镇|乡|村|路|街|巷|组)")
_LOCAL_STOP = {"一路", "沿路", "马路", "道路", "公路", "小路", "走路", "半路", "农村", "本村", "该村", "同村", "全村", "城乡",
               "本镇", "该镇", "乡镇", "城镇", "家乡", "老乡", "下乡", "回乡"}


@dataclass
class Entities:
    names: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)  # yyyy-mm-dd when the year is given
    month_days: set[str] = field(default_factory=set)  # mm-dd
    year_months: set[str] = field(default_factory=set)  # yyyy-mm
    years: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)  # "d:" + division code, and local place fingerprints
    amounts: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)  # phones, ID cards, bank cards, plates
    masked: set[str] = field(default_factory=set)  # people named by a mask: 黄××, 王×1

    def as_dict(self) -> dict[str, list[str]]:
        return {k: sorted(v) for k, v in self.__dict__.items() if v}

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> Entities:
        return cls(**{k: set(v) for k, v in data.items() if k in cls.__dataclass_fields__})

    def mapped(self, fn: Callable[[str], str]) -> Entities:
        """The same entities with every value but a division code (``d:…``, public, and compared
        by prefix) passed through ``fn``: triage stores them keyed, so the index holds no names."""
        return Entities(**{k: {v if v.startswith("d:") else fn(v) for v in values}
                           for k, values in self.__dict__.items()})


def extract(norm: str) -> Entities:
    """Entities of a normalized text (see ``text.normalize``)."""
    ent = Entities()
    for m in _NAME.finditer(norm):
        surname = m.group(1)
        if surname not in SURNAMES and surname not in DOUBLE_SURNAMES:
            continue
        ent.names.add(m.group(0))
    for m in _MASKED.finditer(norm):
        surname = m.group(1)
        if surname not in SURNAMES or surname in _MASKED_NOT or norm[max(0, m.start() - 1):m.start() + 1] in _MASKED_STOP:
            continue
        ent.masked.add(surname + "×" * len(m.group(2)) + (m.group(3) or ""))
    for m in _YMD.finditer(norm):
        year, month, day = m.group(1), int(m.group(2)), m.group(3)
        if not 1 <= month <= 12:
            continue
        ent.years.add(year)
        ent.year_months.add(f"{year}-{month:02d}")
        if day and 1 <= int(day) <= 31:
            ent.dates.add(f"{year}-{month:02d}-{int(day):02d}")
            ent.month_days.add(f"{month:02d}-{int(day):02d}")
    for m in _MD.finditer(norm):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            ent.month_days.add(f"{month:02d}-{day:02d}")
    for m in _AMOUNT.finditer(norm):
        value = float(m.group(1)) * (10000 if m.group(2) else 1)
        if value >= 100:
            ent.amounts.add(f"{value:g}")
    for pattern in (_PHONE, _IDCARD, _CARD, _PLATE):
        ent.ids.update(pattern.findall(norm))
    for _, _name, codes in mentions(norm):
        # a division is kept as its code, so that a county and its city are seen to agree
        ent.places.update(f"d:{code}" for code, full in codes if full)
    for m in _LOCAL.finditer(norm):
        word = m.group(0)
        if m.group(1) + m.group(2)[-1] in _LOCAL_STOP or word[-2:] in _LOCAL_STOP:
            continue
        ent.places.add(word)
    return ent


def _prefix(code: str) -> str:
    while code.endswith("00"):
        code = code[:-2]
    return code


def places_agree(x: str, y: str) -> bool:
    """Two place entities agree when equal, or when one division lies inside the other."""
    if x == y:
        return True
    if x.startswith("d:") and y.startswith("d:"):
        a, b = _prefix(x[2:]), _prefix(y[2:])
        return a.startswith(b) or b.startswith(a)
    return False


def counties_conflict(a: set[str], b: set[str]) -> bool:
    """Both texts name a county-level division and none of one's lies inside the other's: 磁县
    and 新乐市 conflict although both lie in 河北省 (which ``places_agree`` lets agree)."""
    ca, cb = _counties(a), _counties(b)
    return bool(ca and cb) and not any(places_agree(x, y) for x in ca for y in cb)


def _counties(places: set[str]) -> set[str]:
    return {p for p in places if p.startswith("d:") and len(p) == 8 and not p.endswith("00")}


def place_anchors(places: set[str]) -> list[str]:
    """What a place contributes to entity keys: its city (a county and its city meet there) or
    the local place word."""
    out = set()
    for p in places:
        if p.startswith("d:"):
            if not p.endswith("0000"):
                out.add("d:" + p[2:6])
        else:
            out.add(p)
    return sorted(out)
