"""The "protective umbrella" (保护伞) signal: does a tip allege that an official or a public body
shields, tips off, profits from, obstructs the investigation of, or leads a criminal group — and
which officials, of which kind of unit.

The flag is scored in two stages: a logistic regression over character 1–3-gram TF-IDF of the
normalized text, then a second logistic regression that weighs its (out-of-fold) score beside a
small block of cue groups (tip-offs, shields, money, the gang's kin in office, an official who is
the boss or takes part or stands by, closeness, obstruction; and the counter-cues of hard
negatives: the police already came, an official as victim or landmark, an impostor, a rumour or a
denial, the reporter's own kin in office, a disclaimer, slowness only) and whether the text names
an official and a criminal group at all. It is trained on the hand-labelled umbrella tips shipped
with triage (see docs/triage.md, "Umbrella") and scored without scikit-learn, like the charge
model. The implicated officials are read from the text by
rules: each clause that names an official or a unit, ranked by whether its sentence carries an
umbrella cue, with the unit type of the words it uses (派出所 → 公安, 执行局 → 法院, 村支书 → 村(社区)两委…)."""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .charges import CompactScorer, _write_replacing
from .text import normalize

UNIT_TYPES = ("公安", "检察", "法院", "纪检监察", "政府机关", "村(社区)两委", "自然资源", "市场监管", "住建", "交通",
              "环保", "金融监管", "其他")

_OFF = (r"(?:派出所|公安|警察|民警|辅警|协警|警官|片警|交警|刑警|大队|中队|所长|局长|检察|法院|法官|执行局|执行庭|纪委|"
        r"监委|纪检|政府|镇长|乡长|县长|市长|书记|支书|村主任|村长|村委|居委|主任|干部|领导|官员|国土|市场监管|工商|住建|"
        r"城管|运管|路政|治超|环保|金融办|税务|科长|处长|站长|会计|治保|执法|所里|局里|上面|街道办|强戒所)")
_KIN = r"(?:亲戚|亲哥|哥哥|弟弟|姐夫|妹夫|小舅子|舅舅|表哥|表弟|侄子|外甥|儿子|女儿|女婿|老婆|老公|爸爸|父亲|干爹|同学|战友|老部下|把兄弟|拜把子)"

# (name, pattern, whether it speaks for an umbrella): the cue groups the model sees beside the n-grams
CUES: list[tuple[str, str, bool]] = [
    # tip-offs reach the gang from outside (a gang's own lookouts, 放哨, are not one)
    ("tipoff", r"通风报信|风声|提前(?:知道|跑|收|关|散|撤|得到|接到|通知|转移)|走漏|报信|一查就|每次(?:查|检查|来查)|来之前|"
               r"查之前|收到消息|打招呼", True),
    ("shield", r"保护伞|后台|靠山|撑腰|罩着|包庇|庇护|纵容|袒护|放纵|摆平|压下|不了了之|石沉大海|不立案|没人敢管|"
               r"没人管得了|关系硬|关系很硬|有关系|有人(?:罩|保)|(?:一个|打了?个|打一个)电话.{0,6}就(?:搞定|摆平|走|放|没事|撤)",
     True),
    ("money", r"干股|入股|股份|分红|占股|收了|收受|好处费|红包|送钱|送礼|月供|孝敬|包线|吃拿卡要|上供|"
              r"给.{0,3}上面.{0,3}(?:交|送)|花了?钱.{0,12}(?:出来|找|摆平)", True),
    # a kin of the gang's in office speaks for an umbrella; the reporter's own kin in office does not
    ("kin_official", _OFF + r".{0,8}(?<!我)(?<!我的)" + _KIN + r"|(?<!我)(?<!我的)(?<!我家)" + _KIN + r".{0,8}" + _OFF, True),
    # an official who is the boss, or takes part: "就是" alone is not enough (民警很负责，就是人手不够)
    ("official_leads", _OFF + r".{0,6}(?:就是.{0,8}(?:老大|庄家|老板|头目|后台|幕后|放高利贷|放贷|开赌场|股东|团伙|他们的人)|"
                       r"自己|本人|亲自|带头(?:打|砸|收|闹|堵|放|开|抢)|参与|老大|庄家|幕后|老板|背后)|"
                       + _OFF + r".{0,12}(?:跟|和|与|帮)着?.{0,8}(?:一起|一伙)|(?:竟然|居然)有.{0,6}" + _OFF, True),
    # an official standing by while the gang acts
    ("connive", _OFF + r".{0,6}(?:就在|在|站在)旁边(?:看|笑|站)|睁一只眼闭一只眼|视而不见|装作没看见", True),
    ("close", r"很熟|称兄道弟|发小|铁哥们|拜把子|(?:跟|和|与).{0,10}(?:一起(?:吃饭|喝酒|打牌)|是(?:同学|战友|发小|朋友|亲戚))|"
              r"经常(?:来|去|到)(?:他|赌场|场子|店里|他家|那里|那儿|厂里|KTV).{0,8}(?:喝酒|吃饭|打牌)|在他(?:家|那|店)里?吃", True),
    ("obstruct", r"不查|不抓|不管|不予|不受理|不处理|不立案|压着|拖着|销案|撤案|删了|打压|报复", True),
    ("already_reported", r"(?:已经|已)(?:向|去|到)?.{0,10}(?:报案|报警|报过)|做了笔录|受理编号|回执|很重视|正在处理|"
                         r"已经介入|立案侦查|及时|感谢|点赞|效果很好|大快人心|做法很好|很负责|很尽责", False),
    ("official_victim", _OFF + r"[^。！？]{0,20}(?:被|也被|都被|遭)[^。！？]{0,10}(?:打|坑|拦|围|骗|推|抢|跟踪|威胁|报复|催收)|"
                        r"(?:打伤|围攻)(?:了)?.{0,4}" + _OFF + r"|连.{0,8}" + _OFF + r".{0,6}(?:都|也)|"
                        r"(?:找人|派人)(?:跟踪|威胁|报复|打)(?:他|她)", False),
    ("impostor_or_rumour", r"冒充|假警服|假的|骗子|吹|唬人|没关系|没有关系|一点关系|正直|早就退休|不知道是真是假|"
                           r"没这(?:种|回)事|没有这(?:种|回)事", False),
    ("own_kin", r"(?:我|我的|我家)" + _KIN + r".{0,12}" + _OFF, False),
    # the reporter says outright that no one is accused ("我不是说有保护伞")
    ("disclaimer", r"(?:不是说|并不是说|不是针对|没说|不敢说|不是怀疑).{0,10}(?:保护伞|有问题|包庇|部门|后台|谁)", False),
    ("landmark", _OFF + r".{0,4}(?:对面|后面|旁边|隔壁|附近|门口|楼下|红绿灯|路口)", False),
    ("slowness", r"效率|人手不够|排队|等通知|要证据|evidence|没下文|没消息|走程序|终本|忙着|说会(?:处理|调查|查)|回复说|"
                 r"会安排|督促", False),
]
_CUES = [(name, re.compile(pattern), speaks) for name, pattern, speaks in CUES]
C = 30.0  # the text model's inverse regularisation (cross-validated: 10, 30, 100)
STACK_CS = (1.0, 3.0, 10.0)  # the second stage's, chosen by cross-validation inside the training tips
INNER_FOLDS = 5

# words that tell an official's kind of unit, most specific first (a 国土所所长 is not police)
_UNIT_WORDS: list[tuple[str, str]] = [
    ("纪检监察", r"纪委|监委|纪检|监察委"),
    ("检察", r"检察"),
    ("法院", r"法院|法官|执行局|执行庭|审判|庭长|中院|副院长"),
    ("自然资源", r"自然资源|国土"),
    ("金融监管", r"金融办|金融监管|金融监督|银保监|银监|证监"),
    ("市场监管", r"市场监管|工商|监管局|监管所"),
    ("住建", r"住建|建设局|质监站|房产科|房管|招标办|规划局"),
    ("交通", r"交通运输|交通局|运管|路政|治超|海事|公路局"),
    ("环保", r"环保|生态环境|环境局|固废"),
    ("其他", r"城管|水利|水务|渔业|渔政|卫健|民政|文化执法|烟草|缉私|林业|税务|强戒所|殡葬|河道执法"),
    ("公安", r"派出所|公安|警察|民警|辅警|协警|警官|片警|交警|刑警|警服|警车|治安大队|禁毒|经侦|看守所|所长|指导员|"
             r"教导员|110|police|分局|大队长|中队长|所里"),
    ("村(社区)两委", r"村支书|支书|村主任|村长|村委|村干部|村会计|治保主任|村书记|居委|社区(?:主任|书记|副书记)|村里的干部|社区.{0,4}书记|村.{0,3}书记"),
    ("政府机关", r"镇长|乡长|县长|市长|区长|镇政府|乡政府|政府|政付|区委|县委|市委|党委|书记|街道办|综治|信访|政法委|领导|干部|镇里|乡里|县里|市里"),
]
_UNIT_RX = [(kind, re.compile(words)) for kind, words in _UNIT_WORDS]
_ANY_UNIT = re.compile("|".join(f"(?:{w})" for _k, w in _UNIT_WORDS))
_SENTENCE = re.compile(r"[^。！？；!?;\n]+")
_CLAUSE = re.compile(r"[^，,、：:。！？；!?;\n“”\"（）()]+")
_NAMED_UNIT = re.compile(r"([\u4e00-\u9fff]{2,12}?(?:公安局|公安分局|派出所|检察院|人民法院|法院|人民政府|镇政府|乡政府|"
                         r"自然资源局|国土资源局|国土所|交警大队|治安大队|禁毒大队|城管局|村委会|居委会|街道办事处|"
                         r"市场监管局|市场监管所|住建局|交通运输局|运管所|环保局|生态环境局|纪委|监委|政法委|执行局))")
_NAME_TAIL = re.compile(r"[\u4e00-\u9fff]某{1,2}|某{1,2}")
_LEAD = re.compile(r"^(?:我要|实名|群众|有人|听说|据说|反映|举报|怀疑|发现|报警|报案|我们|他们|他|她|就是|是|在|被|由|向|对|"
                   r"系|和|与|及|的|跟|给|找|连|那个|这个|一个)+")


_OFFICIAL = re.compile(_OFF)
_SENTENCES = re.compile(r"[^。！？；!?;\n]+")
# a clause the reporter disclaims ("我不是说派出所有问题"): the cues that speak for an umbrella are not read in it
_DISCLAIMED = re.compile(r"(?:不是说|并不是说|不是针对|没说|不敢说|不是怀疑)[^，,。！？；!?;\n]{0,14}")


def _cue_hits(text: str) -> list[bool]:
    masked = _DISCLAIMED.sub("", text)
    return [bool(rx.search(masked if speaks else text)) for _n, rx, speaks in _CUES]


def cue_names(norm: str) -> list[str]:
    return [name for (name, _p, _s), hit in zip(CUES, _cue_hits(norm), strict=True) if hit]


def names_official(norm: str) -> bool:
    return bool(_OFFICIAL.search(norm) or _ANY_UNIT.search(norm))


# a criminal group or business: an umbrella shields one (an official's own misconduct, 违规报销 or
# 上班打牌, is not an umbrella)
_CRIME = re.compile(r"赌|高利贷|放贷|放款|催收|保护费|看场费|团伙|黑社会|涉黑|打手|混混|老大|庄家|六合彩|传销|毒|卖淫|"
                    r"采砂|砂场|盗采|垄断|强买强卖|砸|打人|围标|串标|地下钱庄|诈骗|走私|排污|偷排")


def names_crime(norm: str) -> bool:
    return bool(_CRIME.search(norm))


def cue_vector(norm: str) -> np.ndarray:
    """Each cue group anywhere in the text, then each in a sentence that also names an official
    ("副所长……提前收到风声" is not "提前收到风声" in one sentence and a 所长 in another): the
    sentence-level half raised the out-of-fold F1 from 0.887–0.898 to 0.910–0.913 (3 seeds); last,
    whether the text names an official or a public body at all."""
    official = [s for s in _SENTENCES.findall(norm) if _OFFICIAL.search(s)]
    anywhere = _cue_hits(norm)
    beside = [any(hits) for hits in zip(*([_cue_hits(s) for s in official] or [[False] * len(_CUES)]), strict=True)]
    return np.array(anywhere + beside + [names_official(norm), names_crime(norm)], dtype=np.float64)


def _feature_names() -> list[str]:
    names = [n for n, _p, _s in CUES]
    return names + [f"{n}@official" for n in names] + ["names_official", "names_crime"]


def unit_type(words: str) -> str | None:
    for kind, rx in _UNIT_RX:
        if rx.search(words):
            return kind
    return None


def officials(norm: str, limit: int = 2) -> list[dict[str, str | None]]:
    """The officials or bodies a tip names, those in a sentence with an umbrella cue first:
    ``{"who": as written, "unit_type": one of UNIT_TYPES, "unit": the unit as named, or None}``."""
    speaking = [rx for _n, rx, s in _CUES if s]
    ranked: list[tuple[int, int, dict[str, str | None]]] = []
    for sentence in _SENTENCE.finditer(norm):
        text = sentence.group(0)
        cued = any(rx.search(text) for rx in speaking)
        for clause in _CLAUSE.finditer(text):
            words = clause.group(0)
            hits = list(_ANY_UNIT.finditer(words))
            if not hits:
                continue
            kind = unit_type(words) or "其他"
            start = max(0, hits[0].start() - 8)
            tail = _NAME_TAIL.match(words, hits[-1].end())
            end = tail.end() if tail else hits[-1].end()
            who = _LEAD.sub("", words[start:end]) or words[hits[0].start():hits[-1].end()]
            named = _NAMED_UNIT.search(words)
            unit = _LEAD.sub("", named.group(1)) if named else None
            ranked.append((0 if cued else 1, sentence.start() + clause.start(),
                           {"who": who[:24], "unit_type": kind, "unit": unit}))
    ranked.sort(key=lambda r: (r[0], r[1]))
    out: list[dict[str, str | None]] = []
    for _c, _p, found in ranked:
        if all(found["unit_type"] != o["unit_type"] for o in out):
            out.append(found)
        if len(out) >= limit:
            break
    return out


@dataclass
class Finding:
    umbrella: bool
    probability: float
    implicated: list[dict[str, str | None]]
    cues: list[str]


class UmbrellaModel:
    """Two stages, scored without scikit-learn: a character n-gram TF-IDF logistic regression gives
    the text's score; a second logistic regression weighs that score beside the cue groups. The
    second stage learns from out-of-fold text scores (inner folds of the training tips), so the cue
    groups are weighed against what the text model says on tips it has not seen, not against the
    near-perfect scores it gives its own training tips; its regularisation is chosen on those folds."""

    THRESHOLD = 0.5

    def __init__(self, text: CompactScorer, stack: np.ndarray) -> None:
        # stack: [weight of the text score, weights of the cue features..., intercept]
        self.text, self.stack = text, np.asarray(stack, dtype=np.float64)

    @staticmethod
    def _fit_text(norm: Sequence[str], labels: Sequence[bool] | np.ndarray) -> CompactScorer:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float64)
        classifier = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
        classifier.fit(vectorizer.fit_transform(norm), list(labels))
        return CompactScorer.of(vectorizer, classifier)

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[bool]) -> UmbrellaModel:
        from sklearn.linear_model import LogisticRegression

        norm = [normalize(t) for t in texts]
        y = np.array([bool(v) for v in labels])
        cues = np.vstack([cue_vector(t) for t in norm])
        inner = np.array(_folds(list(y), INNER_FOLDS, seed=len(norm)))
        oof = np.zeros(len(norm))
        for k in range(INNER_FOLDS):
            part = cls._fit_text([t for t, f in zip(norm, inner, strict=True) if f != k], y[inner != k])
            oof[inner == k] = part.decision([t for t, f in zip(norm, inner, strict=True) if f == k])[:, 0]
        features = np.column_stack([oof, cues])

        def stage(c: float, rows: np.ndarray) -> LogisticRegression:
            return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(features[rows], y[rows])

        def f1(c: float) -> float:  # the second stage's C, by the same inner folds
            tp = fp = fn = 0
            for k in range(INNER_FOLDS):
                got = stage(c, inner != k).predict(features[inner == k])
                want = y[inner == k]
                tp, fp, fn = tp + int((got & want).sum()), fp + int((got & ~want).sum()), fn + int((~got & want).sum())
            return 2 * tp / max(1, 2 * tp + fp + fn)

        best = max(STACK_CS, key=f1)
        second = stage(best, np.ones(len(y), dtype=bool))
        return cls(cls._fit_text(norm, y), np.concatenate([second.coef_[0], second.intercept_]))

    def probabilities(self, texts: Iterable[str], *, normalized: bool = False) -> list[float]:
        norm = list(texts) if normalized else [normalize(t) for t in texts]
        values = self.text.decision(norm)[:, 0]
        out = []
        for value, text in zip(values, norm, strict=True):
            z = float(value) * self.stack[0] + float(cue_vector(text) @ self.stack[1:-1]) + self.stack[-1]
            out.append(1.0 / (1.0 + math.exp(-z)))
        return out

    def find(self, text: str, *, normalized: bool = False) -> Finding:
        norm = text if normalized else normalize(text)
        p = self.probabilities([norm], normalized=True)[0]
        flagged = p >= self.THRESHOLD
        return Finding(flagged, round(p, 3), officials(norm) if flagged else [], cue_names(norm))

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        terms = json.dumps(sorted(self.text.vocabulary, key=self.text.vocabulary.__getitem__), ensure_ascii=False)
        np.savez(buffer, terms=np.frombuffer(terms.encode(), dtype=np.uint8), idf=self.text.idf,
                 coef_t=self.text.coef_t, intercept=self.text.intercept, stack=self.stack,
                 cues=np.frombuffer(json.dumps(_feature_names()).encode(), dtype=np.uint8))
        _write_replacing(path, buffer.getvalue())

    @staticmethod
    def current(path: Path) -> bool:
        """Whether the file holds a model of this code's features (a model trained before a cue
        change is refused by ``load`` and should be trained again)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                return bool(json.loads(bytes(data["cues"]).decode()) == _feature_names() and "stack" in data)
        except (OSError, ValueError, KeyError):
            return False

    @classmethod
    def load(cls, path: Path) -> UmbrellaModel:
        with np.load(path, allow_pickle=False) as data:
            if json.loads(bytes(data["cues"]).decode()) != _feature_names() or "stack" not in data:
                raise ValueError("the umbrella model was trained with other cue groups: train it again")
            terms = json.loads(bytes(data["terms"]).decode())
            text = CompactScorer({t: i for i, t in enumerate(terms)}, data["idf"], data["coef_t"].T, data["intercept"])
            return cls(text, data["stack"])


def _folds(labels: Sequence[bool], folds: int, seed: int) -> list[int]:
    """A fold for each item, stratified by label, shuffled by ``seed``."""
    import random

    by_label: dict[bool, list[int]] = {True: [], False: []}
    for i, label in enumerate(labels):
        by_label[bool(label)].append(i)
    fold = [0] * len(labels)
    rng = random.Random(seed)
    for ids in by_label.values():
        rng.shuffle(ids)
        for k, i in enumerate(ids):
            fold[i] = k % folds
    return fold


def cross_validate(tips: Sequence[dict], folds: int = 5, seed: int = 0) -> list[dict]:
    """Out-of-fold predictions ``{"id", "umbrella", "implicated", "probability"}`` (stratified folds)."""
    fold = _folds([bool(t["umbrella"]) for t in tips], folds, seed)
    out: list[dict] = [{}] * len(tips)
    for k in range(folds):
        train = [t for i, t in enumerate(tips) if fold[i] != k]
        model = UmbrellaModel.fit([t["text"] for t in train], [t["umbrella"] for t in train])
        for i, tip in enumerate(tips):
            if fold[i] == k:
                out[i] = prediction(tip["id"], model.find(tip["text"]))
    return out


def prediction(tip_id: object, finding: Finding) -> dict:
    return {"id": tip_id, "umbrella": finding.umbrella, "probability": finding.probability,
            "implicated": finding.implicated}


def score(tips: Sequence[dict], preds: Sequence[dict]) -> dict:
    """As the reference scorer's ``--umbrella``: precision, recall, F1 of the flag and unit-type
    accuracy (an implicated unit type right) on the true positives."""
    pred = {p["id"]: p for p in preds}
    tp = fp = fn = tn = types_ok = types_n = 0
    for t in tips:
        p = pred.get(t["id"], {})
        got, gold = bool(p.get("umbrella")), bool(t["umbrella"])
        tp += got and gold
        fp += got and not gold
        fn += gold and not got
        tn += not got and not gold
        if got and gold:
            want = {i["unit_type"] for i in t.get("implicated") or []}
            have = {i.get("unit_type") for i in p.get("implicated") or []}
            types_n += 1
            types_ok += bool(want & have)
    prec, rec = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"tips": len(tips), "precision": round(prec, 4), "recall": round(rec, 4),
            "f1": round(2 * prec * rec / max(1e-9, prec + rec), 4),
            "unit_type_accuracy": round(types_ok / max(1, types_n), 4), "tp": tp, "fp": fp, "fn": fn, "tn": tn}
