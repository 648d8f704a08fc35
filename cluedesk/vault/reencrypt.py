"""Sealing what is not sealed yet, or not under the current content key: in batches, resumable.

Two jobs share this pass: the migration of rows written before encryption at rest came in (clear
text in a sealed column), and a content key rotation (rows sealed under a key that is no longer
the current one). Each batch is one short transaction that re-reads its rows and writes them
back sealed under the current key; a pass stopped half-way leaves every row readable (clear,
old key or new key) and the next pass goes on from what is left. ``cluedesk serve`` runs a pass
at start; ``cluedesk content-keys reencrypt`` runs one by hand.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from . import content
from .fields import _Sealed

BATCH = 500


def sealed_fields() -> list[tuple[type[models.Model], list[Any]]]:
    """Every model with sealed columns, and those columns (from Django's app registry)."""
    out = []
    for model in apps.get_models():
        found = [f for f in model._meta.concrete_fields if isinstance(f, _Sealed)]
        if found:
            out.append((model, found))
    return out


def _head(key: bytes) -> str:
    """The first characters every token sealed under ``key`` starts with (30 bits of its id)."""
    return content.PREFIX + base64.urlsafe_b64encode(content.key_id_of(key) + b"\0\0").decode()[:5]


def _current_prefix() -> str:
    return _head(content.keyring().current)


def _pending_sql(model: type[models.Model], fields: list[Any], after: int, limit: int) -> tuple[str, list[Any]]:
    """Ids of rows with a column that is clear (not empty, not a token) or sealed under another key."""
    quote = connection.ops.quote_name
    prefix = _current_prefix()
    cond = " OR ".join(
        f"({quote(str(f.column))} IS NOT NULL AND {quote(str(f.column))} <> '' "
        f"AND SUBSTR({quote(str(f.column))}, 1, {len(prefix)}) <> %s)"
        for f in fields)
    pk = quote(str(model._meta.pk.column))  # type: ignore[union-attr]
    sql = (f"SELECT {pk} FROM {quote(model._meta.db_table)} WHERE {pk} > %s AND ({cond}) "  # noqa: S608
           f"ORDER BY {pk} LIMIT {int(limit)}")
    return sql, [after, *([prefix] * len(fields))]


@dataclass
class Pass:
    rows: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def pending() -> dict[str, int]:
    """How many rows of each model still need a pass (status; tests)."""
    out = {}
    for model, fields in sealed_fields():
        sql, params = _pending_sql(model, fields, -1, 1 << 62)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS p", params)  # noqa: S608
            n = int(cursor.fetchone()[0])
        if n:
            out[model._meta.label_lower] = n
    return out


def run(batch: int = BATCH, progress: Callable[[str], None] | None = None,
        limit: int | None = None) -> Pass:
    """One pass over every sealed column; ``limit`` stops after that many rows (resumable)."""
    done = Pass()
    budget = limit
    for model, fields in sealed_fields():
        label = model._meta.label_lower
        last = -1
        while budget is None or budget > 0:
            size = batch if budget is None else min(batch, budget)
            sql, params = _pending_sql(model, fields, last, size)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            with transaction.atomic():
                rows = list(model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk"))
                # reading opened them (clear, old key); saving seals them under the current key
                model._default_manager.bulk_update(rows, [f.name for f in fields], batch_size=batch)
            last = ids[-1]
            done.rows[label] = done.rows.get(label, 0) + len(ids)
            if budget is not None:
                budget -= len(ids)
            if progress:
                progress(f"{label}: {done.rows[label]} rows sealed")
    done.pending = pending()
    return done


def in_use() -> set[str]:
    """The ids (hex) of the content keys some row is sealed under ("unknown": a key not on the ring)."""
    heads: set[str] = set()
    quote = connection.ops.quote_name
    for model, fields in sealed_fields():
        for f in fields:
            col = quote(str(f.column))
            sql = (f"SELECT DISTINCT SUBSTR({col}, 1, 9) FROM {quote(model._meta.db_table)} "  # noqa: S608
                   f"WHERE {col} LIKE %s")
            with connection.cursor() as cursor:
                cursor.execute(sql, [content.PREFIX + "%"])
                heads.update(head for (head,) in cursor.fetchall())
    ring = {_head(key): content.key_id_of(key).hex() for key in content.keyring().keys}
    return {ring.get(head, "unknown") for head in heads}
