"""Charge (offence) classifier: character n-gram TF-IDF and a linear SVM, trained from labelled
tips; a tip that names its charge outright ("涉嫌盗窃") gets that charge whatever the model says."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .text import normalize

_BRACKET = re.compile(r"\[([^\]]+)\]")
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's own rule for character n-grams


def surface(label: str) -> str:
    """How a reporter writes a charge label: "[走私、贩卖]毒品" → "走私或贩卖毒品"."""
    return _BRACKET.sub(lambda m: "或".join(m.group(1).split("、")), label)


class CompactScorer:
    """The fitted TF-IDF and linear SVM as plain arrays: the same decision scores as scikit-learn's
    ``decision_function(vectorizer.transform(...))`` for character 1–3-grams with sublinear tf,
    idf and L2 norm, without importing scikit-learn (and SciPy and pandas with it: about 105 MB a
    process) and with less per-call overhead. Built once from the fitted objects (``of``), kept
    beside the pickle as ``.npz`` (``save``/``load``)."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                 lowercase: bool = True, ngram_range: tuple[int, int] = (1, 3)) -> None:
        self.vocabulary, self.idf = vocabulary, idf.astype(np.float64)
        self.coef_t = np.ascontiguousarray(coef.astype(np.float32).T)  # features × labels: a row per n-gram
        self.intercept = intercept.astype(np.float64)
        self.lowercase, self.ngram_range = lowercase, ngram_range

    @classmethod
    def of(cls, vectorizer: object, classifier: object) -> CompactScorer:
        v, c = vectorizer, classifier
        if (getattr(v, "analyzer", None) != "char" or not getattr(v, "sublinear_tf", False)
                or getattr(v, "norm", None) != "l2" or not getattr(v, "use_idf", False)
                or getattr(v, "strip_accents", None) or getattr(v, "preprocessor", None)):
            raise ValueError("only character n-gram TF-IDF with sublinear tf, idf and L2 norm is compacted")
        return cls({str(k): int(i) for k, i in v.vocabulary_.items()}, np.asarray(v.idf_),  # type: ignore[attr-defined]
                   np.asarray(c.coef_), np.asarray(c.intercept_), bool(v.lowercase),  # type: ignore[attr-defined]
                   tuple(v.ngram_range))  # type: ignore[attr-defined]

    def _ngrams(self, text: str) -> list[str]:
        text = _WHITE_SPACES.sub(" ", text.lower() if self.lowercase else text)
        low, high = self.ngram_range
        grams = list(text) if low == 1 else []
        for n in range(max(low, 2), min(high + 1, len(text) + 1)):
            grams.extend(text[i:i + n] for i in range(len(text) - n + 1))
        return grams

    def decision(self, texts: Iterable[str]) -> np.ndarray:
        rows = []
        vocab = self.vocabulary
        for text in texts:
            counts = Counter(vocab[g] for g in self._ngrams(text) if g in vocab)
            if not counts:
                rows.append(self.intercept.copy())
                continue
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (np.log(tf) + 1.0) * self.idf[cols]
            weights /= np.sqrt(np.dot(weights, weights))
            rows.append(weights @ self.coef_t[cols] + self.intercept)
        return np.vstack(rows) if rows else np.zeros((0, len(self.intercept)))

    def save(self, path: Path) -> None:
        """Written beside the model and renamed into place, so a reader never sees half a file."""
        terms = json.dumps(sorted(self.vocabulary, key=self.vocabulary.__getitem__), ensure_ascii=False)
        buffer = io.BytesIO()
        np.savez(buffer, terms=np.frombuffer(terms.encode(), dtype=np.uint8), idf=self.idf,
                 coef_t=self.coef_t, intercept=self.intercept, options=np.array([int(self.lowercase), *self.ngram_range]))
        _write_replacing(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> CompactScorer:
        with np.load(path, allow_pickle=False) as data:
            terms = json.loads(bytes(data["terms"]).decode())
            lowercase, low, high = (int(x) for x in data["options"])
            return cls({t: i for i, t in enumerate(terms)}, data["idf"], data["coef_t"].T, data["intercept"],
                       bool(lowercase), (low, high))


@dataclass
class ChargeModel:
    labels: list[str]
    vectorizer: object = None
    classifier: object = None
    _named: list[tuple[str, str]] = field(default_factory=list)
    compact: CompactScorer | None = None  # scoring without scikit-learn (see ``load``)

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, c: float = 2.0) -> ChargeModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        norm = [normalize(t) for t in texts]
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                                     max_features=50_000, dtype=np.float32)
        matrix = vectorizer.fit_transform(norm)
        # C=2 (was 0.5): cross-validated inside the training part (split_by_matter seeds 1-3), per-tip
        # macro-F1 0.771 -> 0.796, gold-matter aggregated 0.824 -> 0.838; 1-4-grams, more features,
        # min_df=1 and a ComplementNB blend were no better (docs/triage.md, "Charge")
        # random_state: liblinear shuffles the tips in its dual coordinate descent; unseeded, two fits on
        # the same tips differed (weights by up to 6e-5) and triage-eval moved by ~0.001 run to run
        classifier = LinearSVC(C=c, class_weight="balanced", random_state=0)
        classifier.fit(matrix, list(labels))
        classifier.coef_ = classifier.coef_.astype(np.float32)  # half the size, same decisions
        model = cls(list(classifier.classes_), vectorizer, classifier)
        model._build_named()
        return model

    def _build_named(self) -> None:
        forms = [(surface(label), label) for label in self.labels]
        self._named = sorted(forms, key=lambda f: -len(f[0]))

    def named(self, norm: str) -> str | None:
        """The charge a tip names after "涉嫌", longest form first."""
        if "涉嫌" not in norm:
            return None
        tail = norm[norm.index("涉嫌") + 2:]
        for form, label in self._named:
            if tail.startswith(form):
                return label
        return None

    def scores(self, texts: Iterable[str], *, normalized: bool = False) -> np.ndarray:
        """Decision scores (n × labels); a named charge is pushed to the top."""
        norm = list(texts) if normalized else [normalize(t) for t in texts]
        if self.compact is not None:
            values = self.compact.decision(norm)
        else:
            values = np.asarray(self.classifier.decision_function(self.vectorizer.transform(norm)))  # type: ignore[attr-defined]
        if values.ndim == 1:
            values = np.stack([-values, values], axis=1)
        index = {label: i for i, label in enumerate(self.labels)}
        for row, text in enumerate(norm):
            label = self.named(text)
            if label is not None:
                values[row, index[label]] = max(values[row].max(), 0.0) + 2.0
        return values

    def top(self, texts: Iterable[str], k: int = 5, scale: float = 4.0, *,
            normalized: bool = False) -> list[tuple[str, dict[str, float]]]:
        """Each text's charge and its top-``k`` charges' softmax scores (of the decision scores ×
        ``scale``): comparable between reports, so a clue can add them up and a pair compare them."""
        out = []
        for row in self.scores(texts, normalized=normalized):
            best = sorted(range(len(row)), key=lambda i: -row[i])[:k]
            peak = float(row[best[0]])
            weights = {self.labels[i]: math.exp(scale * (float(row[i]) - peak)) for i in best}
            total = sum(weights.values())
            out.append((self.labels[best[0]], {name: round(v / total, 4) for name, v in weights.items()}))
        return out

    def predict(self, texts: Iterable[str]) -> list[str]:
        return [self.labels[i] for i in self.scores(texts).argmax(axis=1)]

    def save(self, path: Path, *, final: Path | None = None) -> None:
        """The fitted objects as a pickle, and beside it (``.npz`` and ``.labels.json``) the compact
        scorer that triage loads without scikit-learn. ``final``: the name the pickle will be renamed
        to (the compact files take that name at once, written after the pickle, so never older)."""
        path.write_bytes(pickle.dumps({"labels": self.labels, "vectorizer": self.vectorizer,
                                       "classifier": self.classifier}, protocol=5))
        beside = final or path
        _write_labels(labels_path(beside), self.labels)
        CompactScorer.of(self.vectorizer, self.classifier).save(compact_path(beside))

    @classmethod
    def load(cls, path: Path) -> ChargeModel:
        """The compact scorer when it is there and not older than the pickle (labels come from a
        small JSON beside it); else the pickle (importing scikit-learn), compacted for next time."""
        compact, labels = compact_path(path), labels_path(path)
        if compact.exists() and labels.exists() and compact.stat().st_mtime >= path.stat().st_mtime:
            model = cls(json.loads(labels.read_text(encoding="utf-8")), compact=CompactScorer.load(compact))
            model._build_named()
            return model
        # the file is written by this project's own training command, never taken from outside
        data = pickle.loads(path.read_bytes())  # noqa: S301
        model = cls(data["labels"], data["vectorizer"], data["classifier"])
        model._build_named()
        try:
            model.compact = CompactScorer.of(model.vectorizer, model.classifier)
            _write_labels(labels, model.labels)
            model.compact.save(compact)
        except ValueError:  # another kind of model: score with the pickle
            pass
        except OSError:  # a read-only folder: compact in memory only
            pass
        return model


def _write_labels(path: Path, labels: list[str]) -> None:
    _write_replacing(path, json.dumps(labels, ensure_ascii=False).encode())


def _write_replacing(path: Path, data: bytes) -> None:
    """Write beside ``path`` and rename into place: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def compact_path(path: Path) -> Path:
    return path.with_suffix(".npz")


def labels_path(path: Path) -> Path:
    return path.with_suffix(".labels.json")
