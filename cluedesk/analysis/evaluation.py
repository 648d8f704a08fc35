"""The figures of shared/eval/README.md, computed as its reference scorer (score.py) does."""

from __future__ import annotations

import collections
import itertools
import json
import re
import zlib
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from .places import resolve_name, same_or_within


class BadTips(ValueError):
    pass


def load_tips(path: str | Path, *, need: Iterable[str] = ("id", "text")) -> list[dict[str, Any]]:
    tips = []
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    tip = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BadTips(f"{path}:{n}: not JSON ({exc.msg})") from None
                if not isinstance(tip, dict) or any(k not in tip for k in need):
                    raise BadTips(f"{path}:{n}: a tip needs the fields {', '.join(need)}")
                tips.append(tip)
    except OSError as exc:
        raise BadTips(f"{path}: {exc.strerror}") from None
    if not tips:
        raise BadTips(f"{path}: no tips")
    return tips


def _shingles(text: str, k: int = 6) -> set[str]:
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def hard_negatives(tips: list[dict[str, Any]], threshold: float = 0.3) -> list[tuple[Hashable, Hashable]]:
    sh = [_shingles(t["text"]) for t in tips]
    inv: dict[str, list[int]] = collections.defaultdict(list)
    for i, s in enumerate(sh):
        for g in s:
            if zlib.crc32(g.encode()) % 8 == 0:
                inv[g].append(i)
    seen, pairs = set(), []
    for ids in inv.values():
        if len(ids) > 60:
            continue
        for a, b in itertools.combinations(ids, 2):
            if (a, b) in seen or tips[a]["matter"] == tips[b]["matter"]:
                continue
            seen.add((a, b))
            j = len(sh[a] & sh[b]) / len(sh[a] | sh[b])
            if j >= threshold:
                pairs.append((tips[a]["id"], tips[b]["id"]))
    return pairs


def bcubed(gold: dict[Hashable, Hashable], pred: dict[Hashable, Hashable]) -> tuple[float, float, float]:
    by_g: dict[Hashable, set[Hashable]] = collections.defaultdict(set)
    by_p: dict[Hashable, set[Hashable]] = collections.defaultdict(set)
    for i in gold:
        by_g[gold[i]].add(i)
        by_p[pred[i]].add(i)
    p = r = 0.0
    for i in gold:
        both = len(by_g[gold[i]] & by_p[pred[i]])
        p += both / len(by_p[pred[i]])
        r += both / len(by_g[gold[i]])
    p, r = p / len(gold), r / len(gold)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def macro_f1(gold: dict[Hashable, str], pred: dict[Hashable, str], labels: set[str]) -> tuple[float, float]:
    f1s = []
    for lab in labels:
        tp = sum(1 for i in gold if gold[i] == lab and pred.get(i) == lab)
        fp = sum(1 for i in gold if gold[i] != lab and pred.get(i) == lab)
        fn = sum(1 for i in gold if gold[i] == lab and pred.get(i) != lab)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    acc = sum(1 for i in gold if pred.get(i) == gold[i]) / len(gold)
    return acc, (sum(f1s) / len(f1s) if f1s else 0.0)


def office_division(office: str) -> str | None:
    name = office.replace("公诉机关", "").replace("人民检察院", "").replace("检察院", "")
    found = resolve_name(name)  # the reference: the division the office is named after
    return found[0] if found else None


def score(test: list[dict[str, Any]], train: list[dict[str, Any]], preds: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    gold = {t["id"]: t["matter"] for t in test}
    p, r, f = bcubed(gold, {i: preds[i]["cluster"] for i in gold})
    hn = hard_negatives(test)
    fm = sum(1 for a, b in hn if preds[a]["cluster"] == preds[b]["cluster"]) / max(1, len(hn))
    counts = collections.Counter(t["charges"][0] for t in train)
    labels = {c for c, n in counts.items() if n >= 20}
    acc, mf = macro_f1({t["id"]: t["charges"][0] for t in test}, {i: preds[i]["charge"] for i in gold}, labels)
    exact = within = named = 0
    for t in test:
        if not t.get("office"):
            continue
        ref = office_division(t["office"])
        if ref is None:
            continue
        named += 1
        got = preds[t["id"]].get("region") or ""
        exact += got == ref
        within += bool(got) and same_or_within(got, ref)
    return {
        "tips": len(test), "matters": len(set(gold.values())),
        "bcubed": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)},
        "hard_negative_pairs": len(hn), "false_merge_rate": round(fm, 4),
        "charge": {"accuracy": round(acc, 4), "macro_f1": round(mf, 4), "labels_with_20_train_tips": len(labels)},
        "region": {"accuracy": round(exact / max(1, named), 4),
                   "accuracy_within": round(within / max(1, named), 4), "tips_with_office": named},
        "region_named": region_named(test, preds),
    }


_OFFICE_TAIL = re.compile(r"(人民检察院|检察院).*$")
_OFFICE_PARTS = re.compile(r".+?(?:自治州|自治县|自治区|自治旗|省|市|区|县|旗)")


def region_named(test: list[dict[str, Any]], preds: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """As the reference scorer's ``--region-named``: accuracy on the tips whose text names the
    division the office is named after (the only ones where the text can tell it); on the others,
    how many were left empty and how many guessed."""
    named = exact = within = other = abstained = guessed = 0
    for t in test:
        ref = office_division(t["office"]) if t.get("office") else None
        if ref is None:
            continue
        name = _OFFICE_TAIL.sub("", t["office"])
        last = (_OFFICE_PARTS.findall(name) or [name])[-1]
        short = last[:-1] if len(last) > 2 else last
        got = preds[t["id"]].get("region") or ""
        if last in t["text"] or (len(short) >= 2 and short in t["text"]):
            named += 1
            exact += got == ref
            within += bool(got) and same_or_within(got, ref)
        else:
            other += 1
            abstained += not got
            guessed += bool(got)
    return {"tips_naming_office": named, "accuracy": round(exact / max(1, named), 4),
            "accuracy_within": round(within / max(1, named), 4),
            "tips_not_naming_office": other, "abstained": abstained, "guessed": guessed}


def calibration(confidence: list[float], correct: list[bool], threshold: float, bins: int = 10) -> dict[str, Any]:
    """Expected calibration error of top-choice confidences (equal-width bins), and how the
    abstain threshold splits them: the share at or above it and the accuracy on each side."""
    n = len(confidence)
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidence) if (lo < c <= hi) or (b == 0 and c == 0)]
        if idx:
            ece += len(idx) / n * abs(sum(confidence[i] for i in idx) / len(idx) - sum(correct[i] for i in idx) / len(idx))
    above = [i for i, c in enumerate(confidence) if c >= threshold]
    below = [i for i, c in enumerate(confidence) if c < threshold]
    return {"ece": round(ece, 4), "threshold": threshold, "share_above": round(len(above) / max(1, n), 4),
            "accuracy_above": round(sum(correct[i] for i in above) / max(1, len(above)), 4),
            "accuracy_below": round(sum(correct[i] for i in below) / max(1, len(below)), 4)}


def split_by_matter(tips: list[dict[str, Any]], test_share: float = 0.25,
                    seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Train and test parts with no matter on both sides; a twin ("m12t") goes with "m12"."""
    import random

    def family(matter: str) -> str:
        return matter[:-1] if matter.endswith("t") else matter

    families = sorted({family(str(t["matter"])) for t in tips})
    random.Random(seed).shuffle(families)
    held = set(families[: int(len(families) * test_share)])
    train = [t for t in tips if family(str(t["matter"])) not in held]
    test = [t for t in tips if family(str(t["matter"])) in held]
    return train, test
