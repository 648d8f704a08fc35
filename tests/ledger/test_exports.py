"""The one audited export (cluedesk.ledger.exports): every list that leaves the house leaves its
event first; the file is the same for every register (UTF-8 CSV with a BOM, or one XLSX sheet)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.utils.translation import gettext_lazy, override
from openpyxl import load_workbook

from cluedesk.ledger.exports import EXPORT_LIMIT, export_list
from cluedesk.ledger.models import Event

pytestmark = pytest.mark.django_db
PERSON = SimpleNamespace(pk=42)


def _export(fmt: str, **kw):
    args = {"fmt": fmt, "verb": "things.exported", "subject_type": "thing_list", "filters": {"q": "sand", "page": ""},
            "count": 2, "name": "things", "columns": [gettext_lazy("Number"), "title"],
            "rows": iter([["T-1", "砂石"], ["T-2", 3]])}
    return export_list(PERSON, **{**args, **kw})


def test_the_csv_export_writes_one_event_then_the_file() -> None:
    response = _export("csv")
    event = Event.objects.get()
    assert (event.verb, event.actor_kind, event.actor_id, event.subject_type, event.subject_id) == (
        "things.exported", "staff", "42", "thing_list", "")
    assert event.data == {"format": "csv", "filters": {"q": "sand"}, "rows": 2}
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body == "\ufeffNumber,title\r\nT-1,砂石\r\nT-2,3\r\n"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="things-')
    assert response["Content-Disposition"].endswith('.csv"')


def test_the_xlsx_export_speaks_the_readers_language() -> None:
    with override("zh-hans"):
        response = _export("xlsx", sheet="东西", count=EXPORT_LIMIT + 5)
    book = load_workbook(io.BytesIO(response.content))
    assert book.active.title == "东西"
    assert list(book.active.iter_rows(values_only=True)) == [("编号", "title"), ("T-1", "砂石"), ("T-2", 3)]
    assert Event.objects.get().data == {"format": "xlsx", "filters": {"q": "sand"}, "rows": EXPORT_LIMIT}


def test_an_unknown_format_is_refused_and_writes_nothing() -> None:
    with pytest.raises(Http404):
        _export("pdf")
    assert not Event.objects.exists()
