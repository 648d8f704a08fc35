"""Training the triage models from labelled tips and from the pairs staff labelled."""

from __future__ import annotations

from typing import Any

import numpy as np

from cluedesk.analysis import text as text_features
from cluedesk.analysis.charges import ChargeModel
from cluedesk.analysis.evaluation import load_tips
from cluedesk.analysis.grouping import training_pairs
from cluedesk.analysis.matching import Analysis, NameCounts, PairModel, analyze, pair_vector
from cluedesk.analysis.umbrella import UmbrellaModel

# chosen by cross-validation inside the training part of the dev split (docs/triage.md)
THRESHOLD = 0.3
# county_containment 0.2: cross-validated inside the seed-7 train part (seeds 1-3): false merges
# 0.0084 -> 0.0052, B3-F1 0.9547 -> 0.9543 (docs/triage.md, "Fifth session")
VETO = {"containment": 0.5, "names_overlap": 0.8, "county_containment": 0.2}


def staff_pairs() -> list[tuple[Analysis, Analysis, bool]]:
    """Pairs of reports staff merged (same matter) or split (not), newest first."""
    from .models import PairLabel

    out = []
    for label in PairLabel.objects.select_related("first", "second").order_by("-pk")[:20000]:
        a, b = (Analysis.from_stored(bytes(e.signature), e.shingles, e.length, e.entities, e.charge,
                                           e.charge_scores)
                for e in (label.first, label.second))
        out.append((a, b, label.same))
    return out


def out_of_fold_charges(tips: list[dict[str, Any]], folds: int = 3) -> list[str]:
    """Each tip's out-of-fold charge (see ``out_of_fold_top``)."""
    return [label for label, _ in out_of_fold_top(tips, folds)]


def out_of_fold_top(tips: list[dict[str, Any]], folds: int = 3) -> list[tuple[str, dict[str, float]]]:
    """Each tip's charge as predicted by a model that did not see its matter: the same-matter
    model then learns how far to trust charge agreement from charges as wrong as they will be
    on new reports (a model's guesses on its own training tips are nearly always right)."""
    import random

    def family(matter: Any) -> str:
        text = str(matter)
        return text[:-1] if text.endswith("t") else text

    families = sorted({family(t["matter"]) for t in tips})
    random.Random(0).shuffle(families)
    fold = {f: i % folds for i, f in enumerate(families)}
    labels = [t["charges"][0] for t in tips]
    predicted: list[tuple[str, dict[str, float]]] = [(label, {label: 1.0}) for label in labels]
    for k in range(folds):
        held = [i for i, t in enumerate(tips) if fold[family(t["matter"])] == k]
        rest = [i for i, t in enumerate(tips) if fold[family(t["matter"])] != k]
        if not held or len(set(labels[i] for i in rest)) < 2:
            continue
        model = ChargeModel.fit([tips[i]["text"] for i in rest], [labels[i] for i in rest])
        for i, top in zip(held, model.top([tips[i]["text"] for i in held]), strict=True):
            predicted[i] = top
    return predicted


def train_models(tips: list[dict[str, Any]], staff_pairs: list[tuple[Analysis, Analysis, bool]] = (),  # type: ignore[assignment]
                 threshold: float = THRESHOLD, stop_shingles: bool = False) -> tuple[ChargeModel, PairModel]:
    """``tips``: dicts with ``text``, ``matter`` and ``charges`` (the first is the main one).

    With ``stop_shingles`` the set of too-common shingles is learned from these tips first
    (the evaluation does this; the product keeps the shipped set, which its index was built with)."""

    texts = [t["text"] for t in tips]
    if stop_shingles:
        text_features.set_stop_shingles(text_features.stop_shingles_from(texts))
    charge = ChargeModel.fit(texts, [t["charges"][0] for t in tips])
    predicted = out_of_fold_top(tips)
    return charge, fit_pair_model(tips, predicted, staff_pairs, threshold)


def fit_pair_model(tips: list[dict[str, Any]], predicted: list[str] | list[tuple[str, dict[str, float]]],
                   staff_pairs: list[tuple[Analysis, Analysis, bool]] = (),  # type: ignore[assignment]
                   threshold: float = THRESHOLD) -> PairModel:
    """The same-matter model from labelled tips whose charges are ``predicted`` (out of fold;
    a label, or a label and its top charge scores)."""
    import random
    from collections import defaultdict

    items = []
    matter_names: dict[Any, set[str]] = defaultdict(set)
    for tip, label in zip(tips, predicted, strict=True):
        analysis = analyze(tip["text"])
        if isinstance(label, tuple):
            label, analysis.extra["charge_scores"] = label
        analysis.extra["charge"] = label
        items.append((tip["id"], tip["matter"], analysis))
        matter_names[tip["matter"]] |= analysis.entities.names
    counts: dict[str, int] = defaultdict(int)
    for found in matter_names.values():
        for name in found:
            counts[name] += 1
    names = NameCounts(dict(counts), len(matter_names))
    for _id, matter, analysis in items:  # a pair's own matters are left out of the name counts
        analysis.extra["matter"] = matter
        analysis.extra["matter_names"] = matter_names[matter]
    xs, ys = [], []
    for i in range(2):  # two orders of arrival give the model more varied pairs
        order = list(items)
        if i:
            random.Random(i).shuffle(order)
        x, y = training_pairs(order, names)
        xs.append(x)
        ys.append(y)
    if staff_pairs:
        # a staff decision counts more than a pair from the training file
        xs.append(np.repeat(np.asarray([pair_vector(a, b, names) for a, b, _ in staff_pairs]), 5, axis=0))
        ys.append(np.repeat(np.asarray([int(s) for _, _, s in staff_pairs]), 5))
    return PairModel.fit(np.concatenate(xs), np.concatenate(ys), threshold, names, dict(VETO))


def umbrella_tips(path: Any = None) -> list[dict[str, Any]]:
    """The labelled umbrella tips (default: the set shipped with triage)."""
    import gzip
    import json

    from . import engine

    if path is None:
        with gzip.open(engine.UMBRELLA_TIPS, "rt", encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    return load_tips(path, need=("id", "text", "umbrella"))


def train_umbrella(tips: list[dict[str, Any]] | None = None) -> Any:
    """The umbrella model from labelled umbrella tips (a few seconds on the shipped 400)."""

    tips = tips if tips is not None else umbrella_tips()
    return UmbrellaModel.fit([t["text"] for t in tips], [bool(t["umbrella"]) for t in tips])
