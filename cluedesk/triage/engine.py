"""The trained models triage uses, loaded once per process.

Where they come from, first found wins:
- ``CLUEDESK_TRIAGE_DIR`` or ``<CLUEDESK_DATA_DIR>/triage/`` — written by ``cluedesk triage-train`` (from labelled data and
  staff corrections);
- ``cluedesk/triage/data/`` — the small models shipped with the package (see docs/triage.md).
Without a charge model, categories come from the keyword rules alone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from django.conf import settings

from cluedesk.analysis.charges import ChargeModel
from cluedesk.analysis.matching import PairModel
from cluedesk.analysis.umbrella import UmbrellaModel
from cluedesk.vault.content import index_key, keyed_label

SHIPPED = Path(__file__).resolve().parent / "data"
PAIR_FILE = "pair_model.json"
CHARGE_FILE = "charge_model.pkl"
UMBRELLA_FILE = "umbrella_model.npz"
UMBRELLA_TIPS = SHIPPED / "umbrella_tips.jsonl.gz"  # hand-labelled umbrella tips (docs/triage.md, "Umbrella")

_lock = threading.Lock()
_pair: PairModel | None = None
_charge: ChargeModel | None = None
_charge_loaded = False
_charge_checked_at = 0.0
RECHECK_SECONDS = 30.0  # a model trained after start-up (first start trains in the background) is picked up


def models_dir() -> Path:
    """Where trained models are written and read first: ``CLUEDESK_TRIAGE_DIR`` (shared storage in a
    multi-node deployment: one training serves every instance), else ``<data folder>/triage``."""
    return Path(settings.TRIAGE_DIR) if settings.TRIAGE_DIR else Path(settings.DATA_DIR) / "triage"


def _first(name: str) -> Path | None:
    for folder in (models_dir(), SHIPPED):
        if (folder / name).exists():
            return folder / name
    return None


def pair_model() -> PairModel:
    global _pair
    if _pair is None:
        with _lock:
            path = _first(PAIR_FILE)
            if path is None:
                raise RuntimeError("no same-matter model: run `cluedesk triage-train`")
            _pair = PairModel.load(path)
    return _pair


_keyed: tuple[int, bytes, PairModel] | None = None


def keyed_pair_model() -> PairModel:
    """The pair model for stored reports, whose entities are keyed (``services.examine``): its
    name counts are looked up by the same keyed labels (made again if the model or the index
    key changes: a restore, a test's own keys folder)."""
    global _keyed
    model = pair_model()
    key = index_key()
    hit = _keyed
    if hit is None or hit[0] != id(model) or hit[1] != key:
        hit = _keyed = (id(model), key, model.keyed(keyed_label))
    return hit[2]


def charge_model_available() -> bool:
    """Whether a charge model is installed or on disk (without loading it: web processes, which
    only show triage's results, never need the model nor scikit-learn in memory)."""
    return (_charge is not None) or _first(CHARGE_FILE) is not None


def charge_model() -> ChargeModel | None:
    global _charge, _charge_loaded, _charge_checked_at, _pair
    stale = _charge is None and time.monotonic() - _charge_checked_at > RECHECK_SECONDS
    if not _charge_loaded or stale:
        with _lock:
            path = _first(CHARGE_FILE)
            if path is not None and _charge is None and _charge_loaded:
                _pair = None  # trained together: take the new pair model too
            _charge = ChargeModel.load(path) if path else None
            _charge_loaded = True
            _charge_checked_at = time.monotonic()
    return _charge


_umbrella: UmbrellaModel | None = None
_umbrella_checked_at = -RECHECK_SECONDS


def umbrella_model() -> UmbrellaModel | None:
    """The umbrella model written by ``cluedesk triage-train`` (None before the first training:
    the keyword rule of ``taxonomy.umbrella`` stands in); looked for again every half minute."""
    global _umbrella, _umbrella_checked_at
    if _umbrella is None and time.monotonic() - _umbrella_checked_at > RECHECK_SECONDS:
        with _lock:
            path = _first(UMBRELLA_FILE)
            try:
                _umbrella = UmbrellaModel.load(path) if path else None
            except (ValueError, OSError, KeyError):  # trained with other cue groups: the rule until retrained
                _umbrella = None
            _umbrella_checked_at = time.monotonic()
    return _umbrella


def models_trained() -> bool:
    """Whether ``triage-train`` has written the charge model and an umbrella model of this code's
    features into the data folder (else the first start, or an upgrade, trains them)."""
    folder = models_dir()
    return (folder / CHARGE_FILE).exists() and UmbrellaModel.current(folder / UMBRELLA_FILE)


def use(*, pair: PairModel | None = None, charge: ChargeModel | None = None, umbrella: UmbrellaModel | None = None,
        reset: bool = False) -> None:
    """Install models (evaluation, training, tests); ``reset`` forgets them so files load again."""
    global _pair, _charge, _charge_loaded, _umbrella, _umbrella_checked_at
    with _lock:
        if reset:
            _pair, _charge, _charge_loaded = None, None, False
            _umbrella, _umbrella_checked_at = None, -RECHECK_SECONDS
        if pair is not None:
            _pair = pair
        if charge is not None:
            _charge, _charge_loaded = charge, True
        if umbrella is not None:
            _umbrella = umbrella
