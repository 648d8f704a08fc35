"""Issue 20.1: the umbrella cue groups tell an official doing the shielding from one merely present,
the two-stage model is scored without scikit-learn, and it reaches the aim out of fold. The tips
here are written for these tests (not copied from the dev set)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cluedesk.analysis import umbrella
from cluedesk.analysis.text import normalize
from cluedesk.triage import training


def cues(text: str) -> list[str]:
    return umbrella.cue_names(normalize(text))


def test_a_clause_the_reporter_disclaims_is_not_read_for_umbrella_cues() -> None:
    said = cues("先说清楚，我不是说有保护伞，只是那个老板放高利贷太嚣张了。")
    assert "disclaimer" in said and "shield" not in said, said
    assert "shield" in cues("那个老板放高利贷，背后有保护伞。")


def test_the_reporters_own_kin_in_office_is_not_the_gangs_kin() -> None:
    own = cues("我舅舅在县公安局上班，他让我来这里举报村里的赌场。")
    assert "own_kin" in own and "kin_official" not in own, own
    gang = cues("开赌场的那个人，他舅舅是县公安局的副局长。")
    assert "kin_official" in gang and "own_kin" not in gang, gang


def test_an_official_who_is_the_boss_needs_a_gang_role_after_the_copula() -> None:
    assert "official_leads" not in cues("我们这里的民警很辛苦，就是人太少了，管不过来。")
    assert "official_leads" in cues("我们镇的副镇长就是那个砂场的老板。")
    assert "official_leads" in cues("上门催收的人里面竟然有个是街道办的干部。")


def test_lookouts_of_the_gang_are_not_a_tip_off() -> None:
    assert "tipoff" not in cues("赌场门口有两个人放哨，看见生人就打电话。")
    assert "tipoff" in cues("每次检查之前赌场都提前收到消息，有人通风报信。")


def test_an_official_harmed_by_the_gang_speaks_against() -> None:
    assert "official_victim" in cues("城管的执法队员去拆违建，结果被那帮人围住打了一顿。")


def test_the_text_says_whether_it_names_an_official_and_a_criminal_group() -> None:
    vector = umbrella.cue_vector(normalize("村里有人开赌场，天天半夜吵。"))
    names = umbrella._feature_names()
    assert vector[names.index("names_official")] == 0 and vector[names.index("names_crime")] == 1
    vector = umbrella.cue_vector(normalize("街道办的副主任上班时间打牌。"))
    assert vector[names.index("names_official")] == 1 and vector[names.index("names_crime")] == 0


@pytest.fixture(scope="module")
def model() -> umbrella.UmbrellaModel:
    return training.train_umbrella()


def test_the_saved_model_scores_the_same_without_scikit_learn(model: umbrella.UmbrellaModel, tmp_path: Path) -> None:
    path = tmp_path / "umbrella_model.npz"
    model.save(path)
    tips = ["镇派出所的副所长经常到赌场喝酒，每次查之前赌场都提前关门。", "我舅舅在县公安局上班，他让我来举报村里的赌场。"]
    code = ("import json, sys\nfrom pathlib import Path\nfrom cluedesk.analysis.umbrella import UmbrellaModel\n"
            f"m = UmbrellaModel.load(Path({str(path)!r}))\n"
            f"print(json.dumps([m.probabilities({tips!r}), 'sklearn' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2])
    import json

    loaded, imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert not imported
    assert loaded == pytest.approx(model.probabilities(tips), abs=1e-5)
    assert loaded[0] > 0.5 > loaded[1], loaded


def test_the_second_stage_weighs_the_cues_against_out_of_fold_text_scores(model: umbrella.UmbrellaModel) -> None:
    # fitted on the text model's in-sample scores (which separate the training tips almost
    # perfectly) the cue groups would get next to no weight; out of fold they carry it
    names = umbrella._feature_names()
    weights = dict(zip(names, model.stack[1:-1], strict=True))
    assert weights["official_leads@official"] > 0.3 and weights["names_crime"] > 0.3, weights
    assert model.stack[0] > 0


def test_cross_validated_f1_reaches_the_aim_on_the_shipped_set() -> None:
    tips = training.umbrella_tips()
    result = umbrella.score(tips, umbrella.cross_validate(tips, folds=5, seed=0))
    # the one-stage model with the earlier cue groups: F1 0.910 (precision 0.882, recall 0.940)
    assert result["f1"] >= 0.95, result
    assert result["unit_type_accuracy"] >= 0.9, result
