"""The API's one way to answer an export: a JSON array of rows, or the same rows as CSV
(``?as=csv``, see ``occ.api.strict.ExportParams`` and ``occ.api.schema.rows_or_csv``)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from rest_framework.response import Response


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV, with the first row's keys as the header; nothing for no rows."""
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: (v if isinstance(v, str | int | float) or v is None else str(v)) for k, v in row.items()}
        )
    return out.getvalue()


def rows_answer(rows: list[dict[str, Any]], *, as_: str | None, filename: str) -> Response | HttpResponse:
    """JSON rows, or a CSV download named ``<filename>.csv`` when ``as_`` is ``"csv"``."""
    if as_ == "csv":
        response = HttpResponse(csv_text(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    return Response(rows)
