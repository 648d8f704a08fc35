"""Text normalization, character shingles, MinHash signatures and LSH band keys."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from opencc import OpenCC

_T2S = OpenCC("t2s")
_SPACE = re.compile(r"\s+")
# reporter-side noise that carries no meaning for matching: punctuation and symbols
_PUNCT = re.compile(r"[^\w\u4e00-\u9fff×*]+")

NUM_PERM = 64
SHINGLE = 4
_PRIME = (1 << 61) - 1
_rng = np.random.RandomState(20260521)  # fixed: signatures are stored in the database
_A = _rng.randint(1, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_B = _rng.randint(0, 1 << 31, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)


def normalize(text: str) -> str:
    """NFKC (full width → half width), traditional → simplified, no whitespace."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _T2S.convert(text)
    return _SPACE.sub("", text)


def compact(norm: str) -> str:
    """The normalized text without punctuation: the surface shingles are taken from."""
    return _PUNCT.sub("", norm)


STOP_FILE = Path(__file__).resolve().parent / "data" / "stop_shingles.txt"
STOP_SHARE = 0.008
_stop = np.zeros(0, dtype=np.uint64)


def set_stop_shingles(hashes: Iterable[int]) -> None:
    """Shingles too common to tell matters apart (reporters' set phrases, legal boilerplate):
    left out of signatures. Stored signatures depend on this set: re-index after changing it."""
    global _stop
    _stop = np.unique(np.fromiter((int(h) for h in hashes), dtype=np.uint64))


def stop_shingles_from(texts: Iterable[str], share: float = STOP_SHARE) -> list[int]:
    """The shingles found in at least ``share`` of the texts."""
    counts: Counter[int] = Counter()
    n = 0
    for text in texts:
        comp = compact(normalize(text))
        counts.update({zlib.crc32(comp[i:i + SHINGLE].encode()) for i in range(len(comp) - SHINGLE + 1)})
        n += 1
    floor = max(2, int(share * n))
    return sorted(h for h, c in counts.items() if c >= floor)


def load_stop_shingles(path: Path = STOP_FILE) -> None:
    if path.exists():
        set_stop_shingles(int(line) for line in path.read_text().split() if line.strip())


def shingle_hashes(comp: str, k: int = SHINGLE) -> np.ndarray:
    if len(comp) < k:
        grams = {comp} if comp else set()
    else:
        grams = {comp[i:i + k] for i in range(len(comp) - k + 1)}
    hashes = np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))
    if _stop.size and hashes.size:
        kept = hashes[~np.isin(hashes, _stop, assume_unique=True)]
        return kept if kept.size else hashes  # a tip made only of set phrases still has a signature
    return hashes


def minhash(hashes: np.ndarray) -> np.ndarray:
    """MinHash signature (NUM_PERM × uint32) of a set of 32-bit shingle hashes."""
    if hashes.size == 0:
        return _EMPTY.copy()
    with np.errstate(over="ignore"):
        values = (np.outer(_A, hashes) + _B[:, None]) % np.uint64(_PRIME)
    return (values.min(axis=1) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band (fits a database bigint)."""
    keys = []
    for b in range(bands):
        chunk = sig[b * rows:(b + 1) * rows].tobytes()
        digest = hashlib.blake2b(bytes([b]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def key64(text: str) -> int:
    """A signed 64-bit key for an entity string (entity index)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def jaccard_estimate(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


load_stop_shingles()
