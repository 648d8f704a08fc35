"""The charge classifier: held-out predictions, save/load, the tuned regularisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cluedesk.analysis.charges import ChargeModel

DRUGS, THEFT, DRUNK = "[走私、贩卖、运输、制造]毒品", "盗窃", "危险驾驶"
TRAIN = [
    ("张某在出租屋内向吸毒人员贩卖甲基苯丙胺（冰毒）0.5克，收取毒资300元。", DRUGS),
    ("李某在宾馆房间以200元的价格将海洛因一小包贩卖给王某，被民警当场抓获。", DRUGS),
    ("赵某多次在公园附近向他人出售毒品甲基苯丙胺，从其身上查获冰毒2克。", DRUGS),
    ("刘某骑摩托车运输毒品海洛因50克，在检查站被查获。", DRUGS),
    ("陈某趁店主不备，盗走柜台内的手机两部，价值3000元。", THEFT),
    ("周某撬开他人停放在路边的电动车锁，将电动车盗走后销赃。", THEFT),
    ("吴某翻窗进入邻居家中，盗走现金5000元及金项链一条。", THEFT),
    ("郑某在公交车上扒窃乘客钱包一个，内有现金800元。", THEFT),
    ("孙某饮酒后驾驶小型轿车上路，经检测血液酒精含量为180mg/100ml，属醉酒驾驶。", DRUNK),
    ("钱某醉酒后驾驶摩托车行驶，被交警查获，血液中乙醇含量为120mg/100ml。", DRUNK),
    ("冯某酒后驾驶机动车在城区道路上行驶，经鉴定血液酒精含量为95mg/100ml。", DRUNK),
    ("何某醉酒驾驶二轮摩托车与路边护栏相撞，血液酒精含量为210mg/100ml。", DRUNK),
]
HELD_OUT = [
    ("有人在小区门口贩卖冰毒，收了毒资两百元。", DRUGS),
    ("他半夜翻进别人家里盗走了现金和手机。", THEFT),
    ("此人喝醉了还开车上路，血液酒精含量超标被交警查获。", DRUNK),
]


def _model(**kwargs: float) -> ChargeModel:
    return ChargeModel.fit([t for t, _ in TRAIN], [label for _, label in TRAIN], **kwargs)


def test_a_tiny_model_predicts_held_out_obvious_tips() -> None:
    model = _model()
    assert sorted(model.labels) == sorted({DRUGS, THEFT, DRUNK})
    assert model.predict([t for t, _ in HELD_OUT]) == [label for _, label in HELD_OUT]
    assert model.scores([t for t, _ in HELD_OUT]).shape == (len(HELD_OUT), 3)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = _model()
    path = tmp_path / "charge.pkl"
    model.save(path)
    again = ChargeModel.load(path)
    texts = [t for t, _ in HELD_OUT] + ["王某涉嫌危险驾驶，请查处。"]
    assert again.labels == model.labels
    # the loaded model scores with the compact arrays: float32 weights, the same scores to 1e-6
    np.testing.assert_allclose(again.scores(texts), model.scores(texts), rtol=1e-5, atol=1e-6)
    assert again.predict(texts)[-1] == DRUNK  # the named-charge rule survives loading


def test_the_default_regularisation_is_the_cross_validated_one() -> None:
    # C=2 beat the former 0.5 in cross-validation inside the training part (docs/triage.md)
    assert _model().classifier.C == 2.0  # type: ignore[attr-defined]
    assert _model(c=0.5).classifier.C == 0.5  # type: ignore[attr-defined]
    # a weaker penalty gives larger margins: the scores the clue's softmax adds up are wider
    strong, weak = _model(c=0.5), _model()
    text = [HELD_OUT[2][0]]
    assert np.ptp(weak.scores(text)) > np.ptp(strong.scores(text))


def _tips(n: int) -> list[dict[str, str]]:
    import gzip
    import json

    path = Path(__file__).resolve().parents[2] / "cluedesk" / "triage" / "data" / "train_tips.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for _, line in zip(range(n), lines, strict=False)]


def test_the_compact_scorer_gives_scikit_learns_scores(tmp_path: Path) -> None:
    """Scored without scikit-learn: the same decision scores, on real tips and on edge cases
    (runs of white space, Latin capitals, no known n-gram, an empty text)."""
    tips = _tips(1400)
    model = ChargeModel.fit([t["text"] for t in tips[:1200]], [t["charges"][0] for t in tips[:1200]])
    model.save(tmp_path / "charge.pkl")
    compact = ChargeModel.load(tmp_path / "charge.pkl")
    assert compact.compact is not None and compact.classifier is None
    texts = [t["text"] for t in tips[1200:]] + ["ABC  DEF\\t\\n  盗窃 ", "〇〇〇", ""]
    np.testing.assert_allclose(compact.scores(texts), model.scores(texts), rtol=1e-4, atol=1e-5)
    assert [c for c, _ in compact.top(texts)] == [c for c, _ in model.top(texts)]
    # and on raw text that normalisation would have cleaned: scikit-learn's own white-space and case rules
    raw = ["盗窃  手机\n\n\t两部", "ABC 毒品  XYZ", " 盗 窃 "]
    assert compact.compact is not None
    np.testing.assert_allclose(compact.compact.decision(raw),
                               model.classifier.decision_function(model.vectorizer.transform(raw)),  # type: ignore[attr-defined]
                               rtol=1e-4, atol=1e-5)


def test_loading_a_saved_model_does_not_import_scikit_learn(tmp_path: Path) -> None:
    import subprocess
    import sys

    _model().save(tmp_path / "charge.pkl")
    code = ("import sys; from pathlib import Path; from cluedesk.analysis.charges import ChargeModel; "
            f"m = ChargeModel.load(Path({str(tmp_path / 'charge.pkl')!r})); m.predict(['盗走手机']); "
            "print(sorted(k for k in sys.modules if k.split('.')[0] in {'sklearn', 'scipy', 'pandas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_model_saved_before_the_compact_form_is_compacted_on_first_load(tmp_path: Path) -> None:
    from cluedesk.analysis.charges import compact_path, labels_path

    model = _model()
    path = tmp_path / "charge.pkl"
    model.save(path)
    compact_path(path).unlink()
    labels_path(path).unlink()
    first = ChargeModel.load(path)  # from the pickle, writing the compact form beside it
    assert compact_path(path).exists() and first.compact is not None
    second = ChargeModel.load(path)
    assert second.classifier is None
    texts = [t for t, _ in HELD_OUT]
    np.testing.assert_allclose(second.scores(texts), model.scores(texts), rtol=1e-4, atol=1e-5)


def test_two_fits_on_the_same_tips_give_the_same_weights() -> None:
    """liblinear shuffles the tips in its coordinate descent; unseeded, two fits differed a little
    and triage-eval's figures moved run to run. Seeded, a re-measure gets the same model."""
    import random

    rng = random.Random(3)
    cue = {"盗窃": "偷盗窃手机钱包", "诈骗": "骗钱转账虚构冒充", "赌博": "赌场聚赌麻将下注"}
    pool = "的了在是我有他这中大来上个们到说和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家"
    texts, labels = [], []
    for _ in range(400):
        label = rng.choice(sorted(cue))
        filler = "".join(rng.choice(pool) for _ in range(rng.randint(20, 80)))
        at = rng.randrange(len(filler))
        texts.append(filler[:at] + "".join(rng.sample(cue[label], 3)) + filler[at:])
        labels.append(label)
    first, second = ChargeModel.fit(texts, labels), ChargeModel.fit(texts, labels)
    assert np.array_equal(first.classifier.coef_, second.classifier.coef_)
    assert np.array_equal(first.classifier.intercept_, second.classifier.intercept_)
