"""Finding clues by what their reports say, without keeping what they say in clear.

A blind index: for every clue, the set of keyed hashes (``vault.content.gram_key``, under the
index key kept outside the database) of the character bigrams and trigrams of its title and of
its reports' text, place, time and people. A search word is cut the same way and answered by
an index lookup on both backends: the clues holding every trigram of the word (every bigram for
a two-character word — 赌场, 李某 — which is most Chinese words).

What it gives away and what it does not (docs/threat-model.md): whoever holds the database sees
how many distinct grams each clue has and which clues share a gram, never which gram; without
the key, a gram cannot be tested. A word of four or more characters matches a clue holding all
its trigrams, even apart (rare; it is the same as a trigram full-text index without positions).
A one-character word is not searched (it would match most clues).

The table is written with plain SQL (``INSERT … ON CONFLICT DO NOTHING``, one composite key, a
``WITHOUT ROWID`` table on SQLite), because it is the largest table of the system: about 300
rows a clue.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from cluedesk.vault.content import gram_hasher

from .models import Clue

TABLE = "clues_searchgram"
MIN_WORD = 2
MAX_QUERY_GRAMS = 64
_RUNS = re.compile(r"\w+")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def grams(text: str) -> set[str]:
    """The bigrams and trigrams of every run of word characters (punctuation and spaces cut)."""
    out: set[str] = set()
    for run in _RUNS.findall(normalize(text)):
        for n in (2, 3):
            out.update(run[i:i + n] for i in range(len(run) - n + 1))
    return out


def keys(texts: Iterable[str]) -> set[int]:
    out: set[str] = set()
    for text in texts:
        if text:
            out |= grams(text)
    key = gram_hasher()
    return {key(g) for g in out}


def query_keys(word: str) -> list[int] | None:
    """The keys a clue must hold to match ``word``; None when the word is too short to search."""
    runs = [r for r in _RUNS.findall(normalize(word)) if len(r) >= MIN_WORD]
    wanted: set[str] = set()
    for run in runs:
        n = 2 if len(run) == 2 else 3
        wanted.update(run[i:i + n] for i in range(len(run) - n + 1))
    if not wanted:
        return None
    key = gram_hasher()
    return sorted({key(g) for g in wanted})[:MAX_QUERY_GRAMS]


def add(clue_id: int, texts: Iterable[str]) -> int:
    """Add the grams of ``texts`` to one clue's set (duplicates ignored); returns the rows tried."""
    return add_many({clue_id: texts})


def add_many(texts_by_clue: Mapping[int, Iterable[str]]) -> int:
    rows = [(k, clue_id) for clue_id, texts in texts_by_clue.items() for k in keys(texts)]
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {TABLE} (key, clue_id) VALUES (%s, %s) ON CONFLICT DO NOTHING", rows)  # noqa: S608
    return len(rows)


def forget(clue_ids: Iterable[int]) -> int:
    ids = list(clue_ids)
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE clue_id IN ({','.join(['%s'] * len(ids))})", ids)  # noqa: S608
        return int(cursor.rowcount or 0)


def texts_of(clue: object) -> list[str]:
    """What of a clue is searchable: its title and its reports' text, place, time and people."""
    from_reports = clue.reports.values_list("text", "place_text", "when_text", "who_text")  # type: ignore[attr-defined]
    out = [getattr(clue, "title", "") or ""]
    for row in from_reports:
        out.extend(row)
    return out


def reindex(clue: object) -> int:
    """Rebuild one clue's set from what it holds now (after a title change, a merge, a split)."""
    forget([clue.pk])  # type: ignore[attr-defined]
    return add(clue.pk, texts_of(clue))  # type: ignore[attr-defined]


def count(clue_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE clue_id = %s", [clue_id])  # noqa: S608
        return int(cursor.fetchone()[0])


def matching(word: str) -> Q:
    """A filter on clues: the clue whose number is ``word``, and the clues whose index holds every
    key of ``word`` (none when the word is too short to search). One subquery, both parts on an
    index (the number's unique index, the grams' primary key)."""
    wanted = query_keys(word)
    number = "SELECT id FROM clues_clue WHERE public_id = %s"
    if wanted is None:
        return Q(pk__in=RawSQL(number, [word.strip().upper()]))  # noqa: S611 - a placeholder only
    marks = ",".join(["%s"] * len(wanted))
    sql = (f"{number} UNION ALL SELECT clue_id FROM {TABLE} WHERE key IN ({marks}) "  # noqa: S608
           "GROUP BY clue_id HAVING COUNT(*) = %s")
    return Q(pk__in=RawSQL(sql, [word.strip().upper(), *wanted, len(wanted)]))  # noqa: S611 - placeholders only


def backfill(batch: int = 200, limit: int | None = None) -> int:
    """Index the clues that have reports or a title but no index rows (a database from before the
    blind index, a bulk import); returns how many clues were indexed. Resumable: run it again."""
    done = 0
    while limit is None or done < limit:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id FROM clues_clue c WHERE NOT EXISTS (SELECT 1 FROM {TABLE} g WHERE g.clue_id = c.id) "  # noqa: S608
                "AND (c.title <> '' OR EXISTS (SELECT 1 FROM intake_report r WHERE r.clue_id = c.id "
                "AND r.text <> '')) ORDER BY c.id LIMIT %s", [batch])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return done
        for clue in Clue.objects.filter(pk__in=ids):
            if not reindex(clue):
                return done  # nothing searchable after all (only punctuation): stop, do not spin
            done += 1
    return done

