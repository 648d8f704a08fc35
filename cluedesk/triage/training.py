"""Training the triage models from labelled tips (and, in the product, staff corrections)."""

from __future__ import annotations

from typing import Any

from cluedesk.analysis.charges import ChargeModel
from cluedesk.analysis.grouping import train_pair_model
from cluedesk.analysis.matching import PairModel, analyze


def train_models(tips: list[dict[str, Any]]) -> tuple[ChargeModel, PairModel]:
    """``tips``: dicts with ``text``, ``matter`` and ``charges`` (the first is the main one)."""
    texts = [t["text"] for t in tips]
    charge = ChargeModel.fit(texts, [t["charges"][0] for t in tips])
    predicted = charge.predict(texts)
    items = []
    for tip, label in zip(tips, predicted, strict=True):
        analysis = analyze(tip["text"])
        analysis.extra["charge"] = label
        items.append((tip["id"], tip["matter"], analysis))
    return charge, train_pair_model(items)
