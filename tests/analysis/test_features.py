"""Pure analysis: no database, no Django."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cluedesk.analysis import resolve_place
from cluedesk.analysis.charges import ChargeModel, surface
from cluedesk.analysis.entities import extract
from cluedesk.analysis.evaluation import bcubed, split_by_matter
from cluedesk.analysis.matching import PairModel, analyze, pair_vector
from cluedesk.analysis.taxonomy import category_of_charge, label, umbrella
from cluedesk.analysis.text import compact, minhash, normalize, shingle_hashes

SHIPPED_PAIR = Path(__file__).resolve().parents[2] / "cluedesk" / "triage" / "data" / "pair_model.json"

ORIGINAL = ("2015年3月22日晚11时许，王某与妻子等人在平湖市当湖街道零点酒吧大厅内娱乐，因琐事王某与被害人金某发生争执，"
            "后王某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人金某的左脸，致使被害人金某受伤。经平湖市公安局法医学鉴定，"
            "被害人金某所受损伤属轻伤。")
RE_REPORT = ("希望有关部门查一查，2015年3月22日晚，王某与妻子等人在平湖市当湖街道零点酒吧大厅内娱乐，因琐事王某与被害人金某"
             "发生争执，后王某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人金某的左脸，致使被害人金某受伤。请尽快调查！")
TWIN = ("2008年4月23日晚11时许，袁某与妻子等人在峡江县马埠镇零点酒吧大厅内娱乐，因琐事袁某与被害人游某发生争执，"
        "后袁某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人游某的左脸，致使被害人游某受伤。经峡江县公安局法医学鉴定，"
        "被害人游某所受损伤属轻伤。")


def test_normalize_folds_width_traditional_and_space() -> None:
    assert normalize("２０１５年 ＡＢＣ\n臺灣　報告") == "2015年ABC台湾报告"


def test_identical_texts_have_identical_signatures_and_unrelated_ones_differ() -> None:
    a = minhash(shingle_hashes(compact(normalize(ORIGINAL))))
    b = minhash(shingle_hashes(compact(normalize(ORIGINAL))))
    c = minhash(shingle_hashes(compact(normalize("某公司以虚开增值税专用发票的方式骗取国家税款共计三十万元。"))))
    assert (a == b).all()
    assert np.count_nonzero(a == c) < len(a) // 4


def test_entities_find_people_dates_places_and_identifiers() -> None:
    ent = extract(normalize("2015年12月8日，廖某在长沙市望城区持号码为15112349883的手机联系谢某甲，驾驶湘A12345号车，获款3000元。"))
    assert {"廖某", "谢某甲"} <= ent.names
    assert "2015-12-08" in ent.dates and "2015-12" in ent.year_months
    assert {"d:430100", "d:430112"} <= ent.places  # 长沙市, 望城区 as division codes
    assert "15112349883" in ent.ids and "湘A12345" in ent.ids
    assert "3000" in ent.amounts


def test_name_pattern_does_not_swallow_the_year() -> None:
    assert extract(normalize("秦都区的薛某2015年12月涉嫌盗窃")).names == {"薛某"}


def test_masked_names_are_people() -> None:
    ent = extract(normalize("犯罪嫌疑人李×1将王×推倒在地，黄ＸＸ报警，被害人张ｘｘ受伤。在本市的李×12011年9月涉嫌故意伤害"))
    assert ent.masked == {"李×1", "王×", "黄××", "张××"}
    # a mask after a word, or an address or a measure, is nobody
    ent = extract(normalize("其行为已构成××罪，实施××，以暴力手段××妇女，宝马X5小车，香泾路XXX号，8厘米×7厘米，人民币××元"))
    assert not ent.masked and not ent.names


def test_a_masked_name_is_a_person_key_and_a_pair_feature() -> None:
    from cluedesk.analysis.matching import FEATURES

    long = analyze("9月8日，犯罪嫌疑人李×1在本市通州区潞城镇某村某养殖场内，因琐事与同事王×发生纠纷，将王×推倒在地。")
    brief = analyze("在本市的李×12011年9月涉嫌故意伤害，我亲眼看到的。")
    assert set(brief.name_keys()) <= set(long.name_keys()) and brief.name_keys()
    vector = pair_vector(brief, long)
    assert vector[FEATURES.index("masked_both")] == 1.0 and vector[FEATURES.index("masked_overlap")] == 1.0


def test_charge_agreement_is_soft_with_top_scores() -> None:
    from cluedesk.analysis.matching import FEATURES

    brief = analyze("琅岐镇的刘某最近涉嫌强制猥亵或侮辱妇女，大家都知道。")
    long = analyze("被害人到诊所就诊，刘某以检查为由触摸被害人的身体。")
    brief.extra.update(charge="强制猥亵", charge_scores={"强制猥亵": 1.0})
    long.extra.update(charge="强奸", charge_scores={"强奸": 0.8, "强制猥亵": 0.2})
    i = FEATURES.index("charge_soft")
    vector = pair_vector(brief, long)
    assert vector[FEATURES.index("charge_differs")] == 1.0 and 0.3 < vector[i] < 0.4  # √.2 / (√.8 + √.2)
    del long.extra["charge_scores"]  # no stored scores: the hard agreement
    assert pair_vector(brief, long)[i] == 0.0


def test_resolve_place_gives_the_county_with_its_code() -> None:
    assert resolve_place("浙江省平湖市当湖街道零点酒吧") == ("330482", "平湖市", 3)
    assert resolve_place("在咸阳市秦都区人民西路") == ("610402", "秦都区", 3)


def test_resolve_place_ignores_ordinary_words_that_are_short_county_names() -> None:
    assert resolve_place("触犯了《中华人民共和国刑法》之规定，公安机关将其抓获") is None
    assert resolve_place("") is None


def test_the_shipped_model_attaches_a_re_report_and_refuses_a_twin() -> None:
    model = PairModel.load(SHIPPED_PAIR)
    original, again, twin = analyze(ORIGINAL), analyze(RE_REPORT), analyze(TWIN)
    assert model.probability(again, original) >= model.threshold
    assert model.probability(twin, original) < model.threshold


def test_pair_vector_marks_a_conflict_of_people() -> None:
    from cluedesk.analysis.matching import FEATURES

    vector = pair_vector(analyze(TWIN), analyze(ORIGINAL))
    assert vector[FEATURES.index("names_conflict")] == 1.0
    assert vector[FEATURES.index("names_conflict")] == 1.0
    same = pair_vector(analyze(RE_REPORT), analyze(ORIGINAL))
    assert same[FEATURES.index("names_conflict")] == 0.0


def test_pair_model_refuses_a_file_made_for_other_features(tmp_path: Path) -> None:
    path = tmp_path / "pair.json"
    path.write_text(json.dumps({"features": ["x"], "weights": [1.0], "bias": 0.0, "threshold": 0.5}))
    with pytest.raises(ValueError, match="retrain"):
        PairModel.load(path)


def test_a_charge_named_in_the_tip_wins_over_the_model() -> None:
    texts = ["在家中贩卖冰毒给吸毒人员"] * 3 + ["趁被害人不注意盗走手机一部"] * 3 + ["驾驶车辆醉酒后行驶"] * 3
    labels = ["[走私、贩卖、运输、制造]毒品"] * 3 + ["盗窃"] * 3 + ["危险驾驶"] * 3
    model = ChargeModel.fit(texts, labels)
    assert surface("[走私、贩卖、运输、制造]毒品") == "走私或贩卖或运输或制造毒品"
    assert model.predict(["秦都区的薛某2015年12月涉嫌盗窃，请核查。"]) == ["盗窃"]
    assert model.predict(["趁被害人不注意盗走手机"]) == ["盗窃"]


def test_charges_map_to_product_categories() -> None:
    assert category_of_charge("[走私、贩卖、运输、制造]毒品") == "drugs"
    assert category_of_charge("开设赌场") == "gambling"
    assert category_of_charge("寻衅滋事") == "gang_violence"
    assert category_of_charge("重婚") == "other"


def test_umbrella_flags_officials_and_names_the_unit() -> None:
    flagged, units = umbrella(normalize("该团伙长期得到城关派出所所长包庇，每次检查前都有人通风报信。"))
    assert flagged
    assert any("派出所" in u for u in units)
    assert umbrella(normalize("王某在路边殴打李某。")) == (False, ())


def test_a_reporters_lead_words_are_not_part_of_the_implicated_unit() -> None:
    flagged, units = umbrella(normalize("听说集里派出所收了好处，一直包庇他们。我要举报浏阳市公安局有人充当保护伞。"))
    assert flagged and units == ("集里派出所", "浏阳市公安局")


def test_label_uses_keywords_when_there_is_no_charge() -> None:
    result = label(normalize("村里有人开设赌场，每晚赌资上万元"))
    assert result.category == "gambling"


def test_bcubed_is_one_for_a_perfect_grouping_and_lower_for_a_merge() -> None:
    gold = {"a": 1, "b": 1, "c": 2}
    assert bcubed(gold, {"a": "x", "b": "x", "c": "y"}) == (1.0, 1.0, 1.0)
    p, r, _ = bcubed(gold, {"a": "x", "b": "x", "c": "x"})
    assert p < 1.0 and r == 1.0


def test_split_by_matter_keeps_twins_on_one_side() -> None:
    tips = [{"id": str(i), "text": "x", "matter": m} for i, m in enumerate(["m1", "m1t", "m2", "m3", "m3t", "m4"] * 3)]
    train, test = split_by_matter(tips, 0.5, seed=3)
    family = lambda t: t["matter"].rstrip("t")  # noqa: E731
    assert {family(t) for t in train}.isdisjoint({family(t) for t in test})
    assert train and test


def test_resolve_place_knows_towns_below_the_county() -> None:
    # 王家井镇 is a town of 深州市; the cpca list alone stops at counties
    assert resolve_place("我要举报：王家井镇的侯2某2017年1月涉嫌寻衅滋事") == ("131182", "深州市", 3)
    # a town name found in several counties needs its city or province named beside it
    assert resolve_place("在城关镇") is None


def test_a_zone_name_alone_does_not_place_a_tip() -> None:
    # the gazetteer knows one "高新技术产业开发区" (in 涿州市), but most cities have one
    assert resolve_place("在郑州高新技术产业开发区秦庄村美容美发店")[0] == "410100"
    assert resolve_place("在高新技术产业开发区") is None


def test_a_clue_takes_the_place_most_of_its_reports_point_at() -> None:
    from cluedesk.analysis.places import vote_division

    assert vote_division(["341600", "341602", ""]) == "341602"  # the city and one of its districts
    assert vote_division(["330482", "110105", "330482"]) == "330482"
    assert vote_division(["", ""]) == ""


def test_a_county_and_its_own_city_do_not_conflict_but_two_counties_do() -> None:
    from cluedesk.analysis.matching import _place_overlap

    assert _place_overlap({"d:120000", "d:120100"}, {"d:120112"}) == (1.0, 1.0, 0.0)  # 天津市 / 津南区
    assert _place_overlap({"d:341600"}, {"d:341602", "药都大道"}) == (1.0, 1.0, 0.0)  # 亳州市 / 谯城区
    assert _place_overlap({"d:341602"}, {"d:120112"}) == (1.0, 0.0, 1.0)


# a twin that keeps the victims' names: only the suspect, date and place differ
HALF_TWIN = ("2008年4月23日晚11时许，袁某与妻子等人在平湖市当湖街道零点酒吧大厅内娱乐，因琐事袁某与被害人金某发生争执，"
             "后袁某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人金某的左脸，致使被害人金某受伤。经平湖市公安局法医学鉴定，"
             "被害人金某所受损伤属轻伤。")


def test_twin_veto_refuses_overlapping_texts_whose_people_or_dates_differ() -> None:
    from cluedesk.analysis.matching import twin_veto

    assert twin_veto(pair_vector(analyze(HALF_TWIN), analyze(ORIGINAL)))
    assert not twin_veto(pair_vector(analyze(RE_REPORT), analyze(ORIGINAL)))


def test_two_counties_conflict_even_inside_one_province() -> None:
    from cluedesk.analysis.entities import counties_conflict

    cixian, xinle = {"d:130427", "d:130000"}, {"d:130184", "d:130000"}  # 河北省磁县, 河北省新乐市
    assert counties_conflict(cixian, xinle)
    assert not counties_conflict(cixian, {"d:130400"})  # 邯郸市, the city 磁县 lies in
    assert not counties_conflict(cixian, {"d:130427", "磁州镇"})
    assert not counties_conflict(cixian, {"d:130000"})  # a province alone names no county


def test_one_wording_told_of_another_county_is_vetoed_as_a_template() -> None:
    from cluedesk.analysis.matching import FEATURES, twin_veto

    other_county = ORIGINAL.replace("平湖市当湖街道", "海宁市硖石街道").replace("平湖市公安局", "海宁市公安局")
    a, b = analyze(ORIGINAL), analyze(other_county)
    vector = pair_vector(a, b)
    assert not twin_veto(vector)  # same people and date: the twin rules alone let it through
    assert twin_veto(vector, county_containment=0.2, places=(a.entities.places, b.entities.places))
    assert not twin_veto(vector, county_containment=0.2, places=(a.entities.places, a.entities.places))
    model = PairModel(np.zeros(len(FEATURES)), 10.0, 0.3, None, {"containment": 0.5, "names_overlap": 0.8,
                                                               "county_containment": 0.2})
    assert model.assess(a, b) == (0.0, True)
    assert model.assess(a, analyze(RE_REPORT))[1] is False


def test_a_rare_shared_name_counts_more_and_a_pairs_own_matters_are_left_out() -> None:
    from cluedesk.analysis.matching import FEATURES, NameCounts

    names = NameCounts({"王某": 900, "何1某": 1}, 1000)
    common = analyze("平湖市的王某涉嫌故意伤害")
    rare, rare_again = analyze("平湖市的何1某涉嫌故意伤害"), analyze("何1某在平湖市持刀伤人")
    i = FEATURES.index("names_rarity")
    assert pair_vector(rare, rare_again, names)[i] > pair_vector(common, analyze("王某在平湖市持刀伤人"), names)[i]
    assert pair_vector(rare, rare_again)[i] == 0.0  # without counts the feature is off
    # in training, the one matter that names 何1某 is the pair's own: the name is then as new as on a new report
    rare.extra.update(matter="m1", matter_names={"何1某"})
    rare_again.extra.update(matter="m1", matter_names={"何1某"})
    assert pair_vector(rare, rare_again, names)[i] == 1.0


def test_a_pair_model_keeps_its_name_counts_and_veto_through_json() -> None:
    from cluedesk.analysis.matching import FEATURES, NameCounts

    model = PairModel(np.zeros(len(FEATURES)), 0.0, 0.3, NameCounts({"何1某": 2}, 10), {"containment": 0.5, "names_overlap": 0.8})
    again = PairModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again.names == model.names and again.veto == model.veto and again.threshold == 0.3
    assert again.assess(analyze(HALF_TWIN), analyze(ORIGINAL)) == (0.0, True)


def test_decide_refuses_a_clue_holding_a_twin_of_the_report() -> None:
    from cluedesk.analysis.grouping import Candidate, decide

    model = PairModel.load(SHIPPED_PAIR)
    original, half_twin = analyze(ORIGINAL), analyze(HALF_TWIN)
    # the clue holds the original and (wrongly) its twin: a re-report of the twin must not join it
    twin_report = analyze(HALF_TWIN.replace("晚11时许", "晚"))
    found = decide(twin_report, [Candidate(1, "c", original), Candidate(2, "c", half_twin)], model)
    assert found.clue is None
    assert decide(analyze(RE_REPORT), [Candidate(1, "c", original)], model).clue == "c"


def test_memory_index_orders_candidates_as_the_database_does() -> None:
    from cluedesk.analysis.grouping import MemoryIndex

    index = MemoryIndex()
    for n in range(3):
        index.add(f"r{n}", f"c{n}", analyze(ORIGINAL))
    # all share every key: the newest are picked, then returned oldest first
    assert [c.record for c in index.candidates(analyze(RE_REPORT), limit=2)] == ["r1", "r2"]


def test_a_name_two_places_share_is_not_settled_by_guessing() -> None:
    # issue 20: "本市通州区" is Beijing's or Nantong's; the text does not say which
    assert resolve_place("12月27日12时许，在本市通州区工人街一成人用品店") is None
    assert resolve_place("北京市通州区工人街") == ("110112", "通州区", 3)
    assert resolve_place("南通市通州区") == ("320612", "通州区", 3)


def test_calibration_error_and_the_abstain_split() -> None:
    from cluedesk.analysis.evaluation import calibration

    perfect = calibration([0.95] * 20 + [0.25] * 20, [True] * 19 + [False] + [True] * 5 + [False] * 15, 0.4)
    assert perfect["ece"] == 0.0 and perfect["share_above"] == 0.5
    assert perfect["accuracy_above"] == 0.95 and perfect["accuracy_below"] == 0.25
    overconfident = calibration([0.95] * 10, [False] * 10, 0.4)
    assert overconfident["ece"] == 0.95
    mixed = calibration([0.9] * 10 + [0.3] * 10, [True] * 5 + [False] * 5 + [True] * 8 + [False] * 2, 0.4)
    assert mixed["ece"] == 0.45  # half over-, half underconfident: the gaps add up, weighted by bin size
