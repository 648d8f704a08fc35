"""Issue 20: the umbrella model measured on the shipped umbrella tips, the five tips the issue
quotes coming out right with the models trained as `cluedesk triage-train` trains them, labels
that abstain, robustness to how people write, and the card in both languages."""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils import translation
from opencc import OpenCC

from cluedesk.analysis import umbrella
from cluedesk.analysis.charges import ChargeModel
from cluedesk.analysis.text import normalize
from cluedesk.clues.models import Clue
from cluedesk.intake.models import Report
from cluedesk.triage import engine, training
from cluedesk.triage.models import ClueTriage
from cluedesk.triage.panel import card_context
from cluedesk.triage.services import attach_or_open

DEPUTY = ("湖南省岳阳市平江县三市镇某村，有人在村里的仓库开赌场，还放高利贷。镇派出所的副所长李某经常到赌场喝酒，"
          "每次有人报警，赌场都会提前收到风声。")
TRADITIONAL = ("湖南省岳陽市平江縣三市鎮某村，有人在村裡開賭場，還放高利貸，借一萬每月利息兩千，還不上就上門潑油漆、"
               "堵門。賭場每晚幾十人，抽水很高。")
EMOJI = "😡😡这帮人天天来收保护费💰不给就砸店🔨🔨 我们这条街的老板都被打过！！！"
BRIEF = "仓库聚赌"


@pytest.fixture(scope="module")
def trained() -> Iterator[tuple[ChargeModel, umbrella.UmbrellaModel]]:
    """The charge and umbrella models as `cluedesk triage-train` makes them from the shipped data."""
    with gzip.open(engine.SHIPPED / "train_tips.jsonl.gz", "rt", encoding="utf-8") as fh:
        tips = [json.loads(line) for line in fh if line.strip()]
    charge = ChargeModel.fit([t["text"] for t in tips], [t["charges"][0] for t in tips])
    yield charge, training.train_umbrella()


@pytest.fixture
def models(trained: tuple[ChargeModel, umbrella.UmbrellaModel], shipped_models: None) -> tuple[Any, Any]:
    engine.use(charge=trained[0], umbrella=trained[1])
    return trained


def submit(text: str) -> Clue:
    from django.db import transaction

    with transaction.atomic():
        report = Report.objects.create(tracking_hash=secrets.token_hex(16), channel="web", text=text)
        clue, _decision = attach_or_open(report)
        report.clue = clue
        report.save(update_fields=["clue"])
    clue.refresh_from_db()
    return clue


def card(clue: Clue, lang: str) -> str:
    with translation.override(lang):
        return " ".join(render_to_string("triage/_card.html", card_context(AnonymousUser(), clue)).split())


# --- measured on the shipped umbrella tips (pure, no database) -----------------------------------

def test_cross_validated_umbrella_flag_and_unit_type_on_the_shipped_set() -> None:
    tips = training.umbrella_tips()
    assert len(tips) == 400
    result = umbrella.score(tips, umbrella.cross_validate(tips, folds=3, seed=1))
    # the keyword rule this replaces gets F1 0.27 on held-out umbrella tips (issue 20)
    assert result["f1"] >= 0.85, result
    assert result["unit_type_accuracy"] >= 0.9, result


@pytest.mark.parametrize(("text", "kind"), [
    ("镇派出所的副所长李某经常到赌场喝酒", "公安"),
    ("執行局一個副局長收了他二十萬", "法院"),
    ("我们村的支书就是他们老大", "村(社区)两委"),
    ("上派镇政府分管城建的副镇长就是他们后台", "政府机关"),
    ("镇国土所所长入了干股", "自然资源"),
    ("区金融办的一个科长给他们通风报信", "金融监管"),
])
def test_officials_are_typed_by_the_words_of_their_unit(text: str, kind: str) -> None:
    found = umbrella.officials(normalize(text))
    assert found and found[0]["unit_type"] == kind, found


def test_a_named_unit_is_kept_as_written() -> None:
    found = umbrella.officials(normalize("听说城北派出所的一个副所长收了老板的钱，每次检查前都打招呼。"))
    assert found[0]["unit"] == "城北派出所"


# --- the five tips of the issue, with the models trained -----------------------------------------

@pytest.mark.django_db
def test_a_deputy_police_chief_who_tips_off_raids_implicates_an_official(models: Any) -> None:
    clue = submit(DEPUTY)
    info = ClueTriage.objects.get(clue=clue)
    assert clue.umbrella is True
    assert info.umbrella_probability is not None and info.umbrella_probability >= 0.5
    assert any(o["unit_type"] == "公安" and "副所长" in o["who"] for o in info.implicated), info.implicated
    text = card(clue, "en")
    assert "umbrella model:" in text and "police" in text and "副所长" in text
    assert "保护伞模型" in card(clue, "zh-hans") and "公安" in card(clue, "zh-hans")


@pytest.mark.django_db
def test_the_gambling_and_loan_tip_in_traditional_characters_is_not_mining(models: Any) -> None:
    clue = submit(TRADITIONAL)
    assert clue.category in ("gambling", "loan_sharking"), clue.category
    info = ClueTriage.objects.get(clue=clue)
    assert set(info.evidence) & {"赌场", "高利贷", "抽水"}, info.evidence
    assert "from the words:" in card(clue, "en") and "依据词语" in card(clue, "zh-hans")


@pytest.mark.django_db
def test_an_emoji_tip_about_protection_money_is_not_drugs(models: Any) -> None:
    clue = submit(EMOJI)
    assert clue.category in ("forced_trade", "gang_violence"), clue.category


@pytest.mark.django_db
def test_a_two_word_gambling_tip_is_gambling(models: Any) -> None:
    clue = submit(BRIEF)
    assert clue.category == "gambling"
    assert "聚赌" in ClueTriage.objects.get(clue=clue).evidence


@pytest.mark.django_db
def test_an_unsure_charge_is_shown_as_uncertain_with_its_top_choices(models: Any) -> None:
    clue = submit(BRIEF)  # no charge in the training set reads like two words
    info = ClueTriage.objects.get(clue=clue)
    total = sum(info.charge_scores.values())
    assert max(info.charge_scores.values()) / total < 0.4
    assert "uncertain" in card(clue, "en") and "不确定" in card(clue, "zh-hans")


@pytest.mark.django_db
def test_a_clue_triaged_before_the_charge_model_says_why_it_has_none(trained: Any, shipped_models: None) -> None:
    clue = submit("某村村霸强占土地，殴打村民。")  # no charge model yet
    assert ClueTriage.objects.get(clue=clue).charge == ""
    engine.use(charge=trained[0])  # the first training has finished since
    assert "triaged before the charge model was trained" in card(clue, "en")
    assert "罪名模型训练完成之前" in card(clue, "zh-hans")


# --- robust to how people write -------------------------------------------------------------------

_S2T = OpenCC("s2t")


def _perturbed(text: str) -> list[str]:
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return [_S2T.convert(text), full_width, "🙏🙏" + text + "😡😡！！！", " ".join(text[i:i + 12] for i in range(0, len(text), 12))]


def test_perturbed_umbrella_tips_keep_their_flag(trained: Any) -> None:
    model = trained[1]
    tips = training.umbrella_tips()[:60]
    changed = []
    for tip in tips:
        base = model.find(tip["text"]).umbrella
        for variant in _perturbed(tip["text"]):
            if model.find(variant).umbrella != base:
                changed.append((tip["id"], variant[:30]))
    assert len(changed) <= 3, changed  # of 240 variants: spaces and emoji move a tip near 0.5 at most rarely


@pytest.mark.django_db
def test_perturbed_copies_of_a_tip_join_its_clue_and_keep_its_category(models: Any) -> None:
    with gzip.open(engine.SHIPPED / "train_tips.jsonl.gz", "rt", encoding="utf-8") as fh:
        tips = [json.loads(line) for _n, line in zip(range(400), fh, strict=False)]
    long_tips = [t for t in tips if len(t["text"]) > 80][:3]
    for tip in long_tips:
        first = submit(tip["text"])
        for variant in _perturbed(tip["text"])[:3]:
            again = submit(variant)
            assert again.pk == first.pk, (tip["id"], variant[:40])
            assert again.category == first.category


def test_routing_bars_the_units_named_for_implicated_officials() -> None:
    from cluedesk.triage.routing import implicated_units, merge_implicated

    officials = merge_implicated(["集里派出所"], [{"who": "副所长李某", "unit_type": "公安", "unit": "城北派出所"},
                                                {"who": "村支书", "unit_type": "村(社区)两委", "unit": None}])
    assert implicated_units(officials) == ["集里派出所", "城北派出所"]
    assert merge_implicated(officials, officials[1:]) == officials  # the same official once


def test_triage_eval_measures_the_umbrella_model_and_writes_predictions(tmp_path: Any) -> None:
    from tests.triage.test_eval_command import run, write

    tips = training.umbrella_tips()
    dev = write(tmp_path / "dev.jsonl", tips[:120])
    test = write(tmp_path / "test.jsonl", tips[120:160])
    out = run(tmp_path, "triage-eval", "--umbrella-train", str(dev), "--umbrella-test", str(test),
              "--predictions", str(tmp_path / "pred.jsonl"))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)["umbrella"]
    assert set(result) >= {"precision", "recall", "f1", "unit_type_accuracy"} and result["tips"] == 40
    lines = [json.loads(line) for line in (tmp_path / "pred.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [p["id"] for p in lines] == [t["id"] for t in tips[120:160]]
    assert all(set(p) >= {"id", "umbrella", "implicated"} for p in lines)
    assert umbrella.score(tips[120:160], lines) == result  # the scorer's definition, from the file
    cv = run(tmp_path, "triage-eval", "--umbrella-train", str(dev), "--folds", "3")
    assert cv.returncode == 0, cv.stderr
    assert json.loads(cv.stdout)["umbrella"]["tips"] == 120
    same = run(tmp_path, "triage-eval", "--umbrella-train", str(dev), "--umbrella-test", str(dev))
    assert same.returncode != 0 and "never test on what you trained on" in same.stderr


def test_a_model_of_other_features_is_refused_and_trained_again(tmp_path: Any, trained: Any) -> None:
    path = tmp_path / "umbrella_model.npz"
    trained[1].save(path)
    assert umbrella.UmbrellaModel.current(path)
    assert umbrella.UmbrellaModel.load(path).find(DEPUTY).umbrella
    with np.load(path) as data:
        arrays = dict(data)
    arrays["cues"] = np.frombuffer(json.dumps(["tipoff"]).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    assert not umbrella.UmbrellaModel.current(path)
    with pytest.raises(ValueError, match="train it again"):
        umbrella.UmbrellaModel.load(path)
