"""Excel downloads (openpyxl), written in constant memory."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook


def workbook_bytes(sheet_title: str, header: list[str], rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook_response(filename: str, sheet_title: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheet_title, header, rows),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
