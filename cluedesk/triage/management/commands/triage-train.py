"""cluedesk triage-train [--train FILE] [--ship]

Trains the charge model and the same-matter model from labelled tips (default: the training file
shipped in cluedesk/triage/data) plus the pairs staff labelled by merging and splitting, and
writes them to <CLUEDESK_DATA_DIR>/triage/ (with --ship: the pair model into the package)."""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cluedesk.analysis import text as text_features
from cluedesk.analysis.evaluation import BadTips, load_tips
from cluedesk.triage import engine, training

SHIPPED_TIPS = engine.SHIPPED / "train_tips.jsonl.gz"


class Command(BaseCommand):
    help = "Train the triage models from labelled tips and staff corrections"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--train", help="labelled tips (JSON lines); default: the shipped training file")
        parser.add_argument("--ship", action="store_true",
                            help="also write the stop shingles and the pair model into the package "
                                 "(stored signatures change: re-index after)")

    def handle(self, *args: Any, **options: Any) -> None:
        need = ("id", "text", "matter", "charges")
        try:
            if options.get("train"):
                tips = load_tips(options["train"], need=need)
            else:
                with gzip.open(SHIPPED_TIPS, "rt", encoding="utf-8") as fh:
                    tips = [json.loads(line) for line in fh if line.strip()]
        except (BadTips, OSError) as exc:
            raise CommandError(str(exc)) from None
        if options["ship"]:

            stop = text_features.stop_shingles_from(t["text"] for t in tips)
            text_features.STOP_FILE.write_text("\n".join(map(str, stop)) + "\n")
            text_features.set_stop_shingles(stop)
        charge, pair = training.train_models(tips, staff_pairs=training.staff_pairs())
        umbrella = training.train_umbrella()
        folder = engine.models_dir()
        folder.mkdir(parents=True, exist_ok=True)
        umbrella.save(folder / engine.UMBRELLA_FILE)  # written beside and renamed into place
        # write beside, then rename: a serving process that looks meanwhile never loads half a file
        charge.save(folder / (engine.CHARGE_FILE + ".tmp"), final=folder / engine.CHARGE_FILE)
        pair.save(folder / (engine.PAIR_FILE + ".tmp"))
        os.replace(folder / (engine.PAIR_FILE + ".tmp"), folder / engine.PAIR_FILE)
        os.replace(folder / (engine.CHARGE_FILE + ".tmp"), folder / engine.CHARGE_FILE)
        if options["ship"]:
            pair.save(engine.SHIPPED / engine.PAIR_FILE)
        engine.use(reset=True)
        self.stdout.write(json.dumps({"tips": len(tips), "labels": len(charge.labels),
                                     "umbrella_tips": len(training.umbrella_tips()), "folder": str(folder)}))
