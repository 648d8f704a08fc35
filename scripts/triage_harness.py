"""In-memory reproduction of `cluedesk triage-eval`'s grouping, for tuning the same-matter model.

The same code as the evaluation command: stop shingles learned from the train part, the charge
model and the out-of-fold charges of ``training.train_models``, the pair model of
``training.fit_pair_model``; then every test tip in file order through ``analyze``, the
``MemoryIndex`` candidates (the database lookup's twin) and ``grouping.decide``. The charge
predictions (four charge-model fits per split) are cached on disk, keyed by the tip ids, so
experiments on grouping cost only the analysis and the pair model.

    python scripts/triage_harness.py                 # seed-7 split: B3 and false merges
    python scripts/triage_harness.py --cv 1 2 3      # inside the seed-7 train part (tuning)
    python scripts/triage_harness.py --thresholds 0.3 0.4 0.5

Only for tuning: the figures to report come from `cluedesk triage-eval`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cluedesk.analysis import text as text_features  # noqa: E402
from cluedesk.analysis.evaluation import bcubed, hard_negatives, load_tips, split_by_matter  # noqa: E402
from cluedesk.analysis.grouping import MemoryIndex, decide  # noqa: E402
from cluedesk.analysis.matching import analyze  # noqa: E402

DEV = Path("/work/shared/eval/tips_dev.jsonl")
CACHE = Path(os.environ.get("TRIAGE_HARNESS_CACHE", Path(tempfile.gettempdir()) / "cluedesk-triage-harness"))
CHARGES_PY = ROOT / "cluedesk" / "analysis" / "charges.py"


def _digest(*parts: list[dict[str, Any]]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(json.dumps([t["id"] for t in part]).encode())
        h.update(b"|")
    return h.hexdigest()


def splits(tips: list[dict[str, Any]], cv: list[int] | None) -> list[tuple[str, list[Any], list[Any]]]:
    train, test = split_by_matter(tips)  # the project split, seed 7
    if not cv:
        return [("seed7", train, test)]
    return [(f"cv{k}", *split_by_matter(train, seed=k)) for k in cv]


Top = tuple[str, dict[str, float]]


def charges(train: list[dict[str, Any]], test: list[dict[str, Any]]) -> tuple[list[Top], list[Top]]:
    """(test charges and top-5 scores from a model fit on all of train, the same out of fold for
    train), cached."""
    from cluedesk.analysis.charges import ChargeModel
    from cluedesk.triage import training

    CACHE.mkdir(parents=True, exist_ok=True)
    # keyed by the tips and the charge model's code: a changed model is fitted again
    code = hashlib.blake2b(CHARGES_PY.read_bytes(), digest_size=4).hexdigest()
    path = CACHE / f"charges-{_digest(train, test)}-{code}-top.json"
    if path.exists():
        data = json.loads(path.read_text())
        return [tuple(x) for x in data["test"]], [tuple(x) for x in data["oof"]]  # type: ignore[misc]
    t0 = time.process_time()
    model = ChargeModel.fit([t["text"] for t in train], [t["charges"][0] for t in train])
    test_pred = model.top([t["text"] for t in test])
    oof = training.out_of_fold_top(train)
    path.write_text(json.dumps({"test": test_pred, "oof": oof}))
    print(f"charges fitted in {time.process_time() - t0:.0f} s cpu", file=sys.stderr)
    return test_pred, oof


def hard_pairs(test: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    path = CACHE / f"hard-{_digest(test)}.json"
    if path.exists():
        return [tuple(p) for p in json.loads(path.read_text())]
    pairs = hard_negatives(test)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pairs))
    return pairs


def group(test: list[dict[str, Any]], test_charges: list[Top], pair: Any) -> dict[Any, Any]:
    """Each test tip, in file order, attached to the clue ``decide`` picks or a new one."""
    index = MemoryIndex()
    clue_of: dict[Any, Any] = {}
    for n, (tip, (charge, scores)) in enumerate(zip(test, test_charges, strict=True)):
        analysis = analyze(tip["text"])
        analysis.extra["charge"], analysis.extra["charge_scores"] = charge, scores
        decision = decide(analysis, index.candidates(analysis), pair)
        clue = decision.clue if decision.clue is not None else f"c{n}"
        clue_of[tip["id"]] = clue
        index.add(tip["id"], clue, analysis)
    return clue_of


def figures(test: list[dict[str, Any]], clue_of: dict[Any, Any], hard: list[tuple[Any, Any]]) -> dict[str, float]:
    p, r, f = bcubed({t["id"]: t["matter"] for t in test}, clue_of)
    fm = sum(1 for a, b in hard if clue_of[a] == clue_of[b]) / max(1, len(hard))
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "false_merge_rate": round(fm, 4)}


def run(name: str, train: list[Any], test: list[Any], thresholds: list[float] | None) -> list[dict[str, Any]]:
    from cluedesk.triage import training

    test_charges, oof = charges(train, test)
    text_features.set_stop_shingles(text_features.stop_shingles_from(t["text"] for t in train))
    t0 = time.process_time()
    pair = training.fit_pair_model(train, oof)
    fit_s = time.process_time() - t0
    hard = hard_pairs(test)
    out = []
    for threshold in thresholds or [pair.threshold]:
        pair.threshold = threshold
        t0 = time.process_time()
        clue_of = group(test, test_charges, pair)
        out.append({"split": name, "threshold": threshold, **figures(test, clue_of, hard),
                    "hard_pairs": len(hard), "fit_cpu_s": round(fit_s, 1),
                    "group_cpu_s": round(time.process_time() - t0, 1)})
        print(json.dumps(out[-1]), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", default=str(DEV))
    parser.add_argument("--cv", type=int, nargs="*", help="inner seeds: split the seed-7 train part again")
    parser.add_argument("--thresholds", type=float, nargs="*")
    args = parser.parse_args()
    tips = load_tips(args.tips, need=("id", "text", "matter", "charges"))
    results = []
    for name, train, test in splits(tips, args.cv):
        results += run(name, train, test, args.thresholds)
    if len(results) > 1:
        by_t: dict[float, list[dict[str, Any]]] = {}
        for r in results:
            by_t.setdefault(r["threshold"], []).append(r)
        for t, rs in sorted(by_t.items()):
            mean = {k: round(sum(r[k] for r in rs) / len(rs), 4) for k in ("precision", "recall", "f1", "false_merge_rate")}
            print(json.dumps({"mean_over": len(rs), "threshold": t, **mean}))


if __name__ == "__main__":
    main()
