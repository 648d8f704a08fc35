"""cluedesk triage-eval --train FILE --test FILE [--predictions PATH]
cluedesk triage-eval --umbrella-train DEV [--umbrella-test TEST] [--predictions PATH] [--folds 5] [--seed 0]

Trains the charge and same-matter models on the train file, then groups the test file tip by
tip through ``attach_or_open`` (the code path intake uses) in a throwaway database, and prints
one JSON object with the figures of shared/eval/README.md.

With ``--umbrella-train`` it measures the umbrella model instead: trained on DEV and scored on
TEST, or cross-validated on DEV (stratified folds) when no TEST is given; prints precision,
recall, F1 and unit-type accuracy, and writes one ``{"id", "umbrella", "implicated"}`` line a tip
(TEST's, else DEV's out-of-fold) to ``--predictions``."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cluedesk.analysis import umbrella
from cluedesk.analysis.evaluation import BadTips, calibration, load_tips, score
from cluedesk.analysis.taxonomy import ABSTAIN_SHARE
from cluedesk.triage import training

# The throwaway database's index key. Stored entities are keyed labels of the names, and the few
# choices made among a report's names (which eight pair up, which get a key of their own) follow the
# labels' order, so each key groups a few tips differently: B3-F1 0.9495-0.9510 over four random keys
# on the seed-7 split of the dev tips. One fixed key gives the same figures on every run and machine.
EVALUATION_INDEX_KEY = "5e" * 32


@contextmanager
def evaluation_index_key() -> Iterator[None]:
    """The fixed evaluation key in force (the deployment's own, from the variable or its file,
    set aside) while the test tips are grouped; the keys cache sees the change of variable."""
    names = ("CLUEDESK_INDEX_KEY", "CLUEDESK_INDEX_KEY_FILE")
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    os.environ["CLUEDESK_INDEX_KEY"] = EVALUATION_INDEX_KEY
    try:
        yield
    finally:
        os.environ.pop("CLUEDESK_INDEX_KEY", None)
        os.environ.update(saved)


class Command(BaseCommand):
    help = "Evaluate triage (grouping, charges, region) on a labelled tips file"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--train", help="labelled tips to train on (JSON lines)")
        parser.add_argument("--test", help="labelled tips to evaluate on (JSON lines)")
        parser.add_argument("--predictions", help="write one {id, cluster, charge, region} line per test tip "
                                                  "(umbrella: {id, umbrella, implicated})")
        parser.add_argument("--umbrella-train", help="labelled umbrella tips to train (and cross-validate) on")
        parser.add_argument("--umbrella-test", help="labelled umbrella tips to evaluate on")
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (umbrella, no test file)")
        parser.add_argument("--seed", type=int, default=0, help="cross-validation fold assignment (umbrella)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("umbrella_train"):
            return self._umbrella(options)
        if not (options.get("train") and options.get("test")):
            raise CommandError("give --train and --test, or --umbrella-train")
        need = ("id", "text", "matter", "charges")
        try:
            train = load_tips(options["train"], need=need)
            test = load_tips(options["test"], need=need)
        except BadTips as exc:
            raise CommandError(str(exc)) from None
        overlap = {t["matter"] for t in train} & {t["matter"] for t in test}
        if overlap:
            raise CommandError(f"{len(overlap)} matters are in both files: never test on what you trained on")
        started = time.perf_counter()
        charge, pair = training.train_models(train, stop_shingles=True)
        trained = time.perf_counter() - started
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            with evaluation_index_key():
                preds, timings = self._group(test, charge, pair)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        result = score(test, train, preds)
        # per tip, before grouping: how far the charge shares can be trusted, and the abstain line

        tops = charge.top([t["text"] for t in test])
        result["charge_calibration"] = calibration([max(s.values()) for _c, s in tops],
                                                   [c == t["charges"][0] for (c, _s), t in zip(tops, test, strict=True)],
                                                   ABSTAIN_SHARE)
        result["attach_or_open_ms"] = {"median": round(statistics.median(timings), 2),
                                       "p99": round(sorted(timings)[int(0.99 * (len(timings) - 1))], 2)}
        result["train_seconds"] = round(trained, 1)
        if options.get("predictions"):
            with open(options["predictions"], "w", encoding="utf-8") as fh:
                for t in test:
                    fh.write(json.dumps({"id": t["id"], **preds[t["id"]]}, ensure_ascii=False) + "\n")
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _umbrella(self, options: dict[str, Any]) -> None:
        need = ("id", "text", "umbrella")
        try:
            dev = load_tips(options["umbrella_train"], need=need)
            test = load_tips(options["umbrella_test"], need=need) if options.get("umbrella_test") else None
        except BadTips as exc:
            raise CommandError(str(exc)) from None
        if options["folds"] < 2:
            raise CommandError("--folds must be 2 or more")
        started = time.perf_counter()
        if test is None:
            if len(dev) < options["folds"]:
                raise CommandError("fewer tips than folds")
            scored, preds = dev, umbrella.cross_validate(dev, options["folds"], options["seed"])
            how = f"{options['folds']}-fold cross-validation on {options['umbrella_train']}"
        else:
            if {t["id"] for t in dev} & {t["id"] for t in test}:
                raise CommandError("tips are in both files: never test on what you trained on")
            model = training.train_umbrella(dev)
            scored, preds = test, [umbrella.prediction(t["id"], model.find(t["text"])) for t in test]
            how = f"trained on {options['umbrella_train']}, tested on {options['umbrella_test']}"
        result = {"umbrella": umbrella.score(scored, preds), "how": how,
                  "seconds": round(time.perf_counter() - started, 1)}
        if options.get("predictions"):
            with open(options["predictions"], "w", encoding="utf-8") as fh:
                for p in preds:
                    fh.write(json.dumps(p, ensure_ascii=False) + "\n")
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _group(self, test: list[dict[str, Any]], charge: Any, pair: Any) -> tuple[dict[str, Any], list[float]]:
        from cluedesk.triage import engine
        from cluedesk.triage.models import ClueTriage
        from cluedesk.triage.services import attach_or_open

        engine.use(pair=pair, charge=charge)
        clue_of: dict[str, int] = {}
        timings = []
        for tip in test:
            report = SimpleNamespace(pk=None, text=tip["text"], place_text="", when_text="", who_text="",
                                     category="", division=None)
            t0 = time.perf_counter()
            with transaction.atomic():
                clue, _decision = attach_or_open(report)
            timings.append((time.perf_counter() - t0) * 1000)
            clue_of[tip["id"]] = clue.pk
        info = {i.clue_id: i for i in ClueTriage.objects.all()}
        preds = {}
        for tip in test:
            pk = clue_of[tip["id"]]
            preds[tip["id"]] = {"cluster": f"c{pk}", "charge": info[pk].charge, "region": info[pk].division_code}
        return preds, timings
