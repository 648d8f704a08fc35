"""Demo reports, made through the same service the public form uses."""

from __future__ import annotations

import random
from typing import Any

from cluedesk.intake import services
from cluedesk.intake.models import Category, Report
from cluedesk.ledger.services import Actor
from cluedesk.org.models import Division

_TEXTS = [
    ("{place}的砂石场被一伙人强行霸占，外地车辆进场要交“保护费”，不交就砸车打人。带头的人外号“{nick}”。",
     "resources", "去年秋天开始，至今"),
    ("{place}有人放高利贷，借一万元每月利息两千，还不上就派人上门泼油漆、堵门恐吓，已经有好几户被逼搬走。",
     "illegal_lending", "最近半年"),
    ("{place}菜市场的摊位全被{nick}一伙控制，外来商户必须从他们那里进货，价格比别处高三成，不从就掀摊子。",
     "market_control", "每逢集日"),
    ("{place}村主任和他的兄弟把持村里的工程，征地补偿款被截留，村民上访后被打。派出所接警后一直没有处理，怀疑有人包庇。",
     "umbrella", "2024年以来"),
    ("{place}一家KTV后面有人组织赌博，晚上十点以后开场，门口有人望风，附近居民多次举报无果。",
     "gambling_drugs", "几乎每晚"),
    ("{place}的工程招标每次都是同一家公司中标，其他公司报名后会接到威胁电话，让他们退出。",
     "market_control", "近两年"),
    ("{place}有一伙人自称“讨债公司”，替人追债时非法拘禁欠款人，把人关在郊区一处厂房里。",
     "violence", "上个月"),
]
_NICKS = ["老三", "刀疤", "二虎", "黑子", "胖哥", "阿龙"]


def _places(rng: random.Random) -> list[str]:
    counties = list(Division.objects.filter(level=3).select_related("parent__parent")[:400])
    if not counties:
        return ["湖南省长沙市岳麓区", "广东省广州市白云区", "河北省石家庄市长安区", "四川省成都市武侯区"]
    picked = rng.sample(counties, min(40, len(counties)))
    names = []
    for county in picked:
        city = county.parent
        province = city.parent if city is not None else None
        names.append("".join(d.name for d in (province, city, county) if d is not None))
    return names


def seed_reports(n: int, *, rng: random.Random) -> list[tuple[Report, str]]:
    """Create ``n`` demo reports through ``submit_report``; return (report, tracking code) pairs."""
    places = _places(rng)
    channels = ["web", "web", "web", "qr", "api:wechat", "phone", "letter"]
    made: list[tuple[Report, str]] = []
    for _ in range(n):
        template, category, when = rng.choice(_TEXTS)
        place = rng.choice(places)
        channel = rng.choice(channels)
        kwargs: dict[str, Any] = {}
        if rng.random() < 0.3:
            kwargs = {"name": "演示举报人", "contact": f"138{rng.randrange(10**8):08d}"}
        made.append(services.submit_report(
            text=template.format(place=place, nick=rng.choice(_NICKS)), place_text=place, when_text=when,
            who_text=rng.choice(["", f"外号“{rng.choice(_NICKS)}”的人", "一名村干部"]),
            category=category if rng.random() < 0.6 else "", channel=channel,
            channel_ref="demo-poster" if channel == "qr" else "",
            actor=Actor.channel(channel[4:]) if channel.startswith("api:") else Actor.reporter(), **kwargs))
    assert all(c in Category.values for c in {t[1] for t in _TEXTS})
    return made
