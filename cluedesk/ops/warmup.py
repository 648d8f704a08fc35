"""What the gunicorn master loads before forking (called by ``gunicorn_conf.warm`` once Django is
set up: gunicorn_conf itself is read before the app registry is ready, so it imports no app)."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import get_resolver

from cluedesk.analysis.matching import analyze
from cluedesk.intake import places
from cluedesk.triage import engine


def preload(sample: SimpleNamespace) -> None:
    """Every view module, the same-matter model and the lazily built analysis indexes."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module
    engine.pair_model()  # the triage card's similar clues
    analyze(sample.text)  # text normalisation, place automata, entity rules
    places.resolve_code(sample.place_text)  # the place resolver a submission uses
