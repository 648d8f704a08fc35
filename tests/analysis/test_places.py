"""Places read from a tip's text (issue 20, item 5), and the reference the region figure uses."""

from __future__ import annotations

from cluedesk.analysis import resolve_place
from cluedesk.analysis.evaluation import office_division


def test_the_reference_reads_office_names_as_it_always_has() -> None:
    # the figure's ruler: an office's name maps to the division it is named after, whatever the
    # tip rules do with the same words (a renamed county under its old name stays unmapped)
    assert office_division("北京市朝阳区人民检察院") == "110105"
    assert office_division("安徽省无为县人民检察院") == "340281"
    assert office_division("无为县人民检察院") is None
    assert office_division("遵义县人民检察院") == "520300"


def test_a_shared_county_name_counts_for_the_one_the_text_places() -> None:
    # 鼓楼区 is in 南京, 福州, 徐州 and 开封: beside 南京市 it is 南京's, not a quarter vote for each
    assert resolve_place("南京市公安局鼓楼分局民警在其店内当场查获有毒有害保健品") == ("320106", "鼓楼区", 3)


def test_taiwan_hong_kong_and_macao_count_only_when_the_text_puts_the_name_there() -> None:
    # Shanghai's 金山区 and Taipei's share a name
    assert resolve_place("将位于本市金山区滨海二村10号的房屋挂牌出租") == ("310116", "金山区", 3)


def test_a_word_that_is_also_a_district_needs_its_city() -> None:
    assert resolve_place("在矿区范围内非法开采") is None
    assert resolve_place("阳泉市矿区某煤矿") == ("140303", "矿区", 3)


def test_a_city_and_its_namesake_county_share_a_name() -> None:
    # "辽阳" names 辽阳市 (or its 辽阳县, which lies inside it): never the county on its own say-so
    assert resolve_place("在辽阳石化总医院一楼大厅") != ("211021", "辽阳县", 3)
    assert resolve_place("辽宁省辽阳市辽阳县首山镇")[0] == "211021"


def test_a_town_written_after_its_county_counts_only_inside_it() -> None:
    # the gazetteer knows a 归州镇 only in 秭归县; written after 盖州市 it is 盖州's
    assert resolve_place("窜至盖州市归州镇西二台子村，又窜至归州镇") == ("210881", "盖州市", 3)


def test_a_county_under_its_former_suffix_is_that_county() -> None:
    # 无为县 became 无为市, 永年县 永年区: the old name still names them
    assert resolve_place("驾车经过无为县的叶某某涉嫌寻衅滋事") == ("340281", "无为市", 3)
    assert resolve_place("在永年县西王庄村永彬饭店吃饭") == ("130408", "永年区", 3)
    # but where the name is also a city's, "X县" was that city's namesake county, since renamed
    # (大同县 is now 云州区): not 大庆's 大同区, which only shares the short name
    assert resolve_place("大同县某村") is None
    # and the tip rule does not change how an office's name is read for the figure
    assert office_division("无为县人民检察院") is None


def test_a_county_short_name_right_before_one_of_its_towns() -> None:
    assert resolve_place("去到增城石滩镇横岭村飞肯摩托车厂对面") == ("440118", "增城区", 3)
    assert resolve_place("增城的某某") is None


def test_overlapping_names_are_read_longest_first() -> None:
    # "本市南开区": 市南 (青岛's 市南区) starts earlier, 南开区 is the name
    assert resolve_place("在本市南开区某小区") == ("120104", "南开区", 3)
    assert resolve_place("窜至本市南明区观水路某小区侧门") == ("520102", "南明区", 3)


def test_a_sub_district_written_as_a_street_tells_two_same_named_districts_apart() -> None:
    # 京溪街道 is in 广州's 白云区; 贵阳 has a 白云区 too
    assert resolve_place("在本市白云区京溪街南方医院等处") == ("440111", "白云区", 3)
    assert resolve_place("在本市白云区某街某大道某大厦") is None
    # alone, a street's name places nothing
    assert resolve_place("在京溪街南方医院等处") is None


def test_a_county_named_as_the_handling_authority_weighs_more() -> None:
    text = "刘某某在兰州市西固区玉门街公安家属院巷道内向吸毒人员王某某贩卖毒品时被皋兰县公安局民警当场抓获"
    assert resolve_place(text) == ("620122", "皋兰县", 3)
    text = "常州市公安局新北分局民警至周某暂住地常州市天宁区新堂北路61号查获假币"
    assert resolve_place(text) == ("320411", "新北区", 3)
