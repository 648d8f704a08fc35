"""cluedesk triage-split FILE --train OUT --test OUT [--share 0.25] [--seed 7]: split by matter."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cluedesk.analysis.evaluation import BadTips, load_tips, split_by_matter


class Command(BaseCommand):
    help = "Split a labelled tips file into train and test parts by matter (twins stay together)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("tips")
        parser.add_argument("--train", required=True)
        parser.add_argument("--test", required=True)
        parser.add_argument("--share", type=float, default=0.25)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["share"] < 1:
            raise CommandError("--share must be between 0 and 1")
        try:
            tips = load_tips(options["tips"], need=("id", "text", "matter"))
        except BadTips as exc:
            raise CommandError(str(exc)) from None
        train, test = split_by_matter(tips, options["share"], options["seed"])
        for path, part in ((options["train"], train), (options["test"], test)):
            with open(path, "w", encoding="utf-8") as fh:
                for tip in part:
                    fh.write(json.dumps(tip, ensure_ascii=False) + "\n")
        self.stdout.write(json.dumps({"train": len(train), "test": len(test)}))
