"""The one audited export: a staff list as CSV or XLSX, with its one ledger event.

Every list that can be taken away (clues, the case registers, the rectification registers) calls
:func:`export_list`, so that no export leaves without its ``<register>.exported`` event and no view
writes that event itself. The caller gives the header in the reader's language (labels, never
codes, where the list shows labels) and the rows; this module writes the event, then the file.

The ledger is a bottom layer: this module imports no app above it.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from .services import Actor, record

__all__ = ["EXPORT_LIMIT", "FORMATS", "export_list"]

# an export carries at most this many rows (the event says how many it carried)
EXPORT_LIMIT = 20000
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    """A file-like object whose ``write`` hands the line back, so ``csv.writer`` can stream."""

    def write(self, value: str) -> str:
        return value


def export_list(
    acting_user: Any,
    *,
    fmt: str,
    verb: str,
    subject_type: str,
    filters: Mapping[str, Any],
    count: int,
    name: str,
    columns: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    sheet: str | None = None,
) -> HttpResponseBase:
    """Record ``verb`` (format, the filters that were set, how many rows went out), then answer
    ``<name>-<local time>.csv`` (UTF-8 with a byte-order mark, streamed) or ``.xlsx`` (one sheet
    named ``sheet``, by default ``name``). An unknown format is a 404 and records nothing.

    ``count`` is the size of the whole filtered list; the event says ``min(count, EXPORT_LIMIT)``
    (the caller cuts its rows at :data:`EXPORT_LIMIT`)."""
    if fmt not in FORMATS:
        raise Http404
    with transaction.atomic():
        record(verb, actor=Actor.staff(acting_user), subject_type=subject_type, subject_id="",
               data={"format": fmt, "filters": {k: str(v) for k, v in filters.items() if v},
                     "rows": min(count, EXPORT_LIMIT)})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    header = [str(c) for c in columns]
    if fmt == "csv":
        writer = csv.writer(_Echo())
        lines = (writer.writerow(row) for row in itertools.chain([header], rows))
        response: HttpResponseBase = StreamingHttpResponse(("\ufeff", *lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
        return response
    from openpyxl import Workbook  # a heavy library, loaded by the first spreadsheet asked for

    book = Workbook(write_only=True)
    table = book.create_sheet(sheet or name)
    table.append(header)
    for row in rows:
        table.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response
