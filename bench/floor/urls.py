"""The floor's one view, on every path (the bench posts to /report/ and /api/v1/reports)."""

import time

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import re_path

ANSWER = b'{"tracking_code": "0000-0000-0000-0000"}'


def keep(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    with connection.cursor() as cur:
        cur.execute("INSERT INTO floor_row (created_at, body) VALUES (%s, %s)", [time.time(), request.body[:4000]])
    return HttpResponse(ANSWER, status=201, content_type="application/json")


urlpatterns = [re_path(r"", keep)]
