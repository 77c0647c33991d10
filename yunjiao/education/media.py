"""Serving uploaded videos with HTTP Range requests (phones seek and resume) and refusing oversized uploads
before they are read."""

from __future__ import annotations

import os
import re

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse, StreamingHttpResponse

CHUNK = 256 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "pdf": "application/pdf"}


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(first, last) inclusive for a single byte range; None without a usable header; 'bad' if unsatisfiable."""
    m = RANGE_RE.match((header or "").strip())
    if not m:
        return None
    a, b = m.groups()
    if a == "" and b == "":
        return None
    if a == "":
        n = int(b)
        if n == 0:
            return "bad"
        return max(0, size - n), size - 1
    first = int(a)
    last = int(b) if b else size - 1
    if first >= size or last < first:
        return "bad"
    return first, min(last, size - 1)


def _reader(path: str, first: int, length: int):
    with open(path, "rb") as fh:
        fh.seek(first)
        left = length
        while left > 0:
            data = fh.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data


def ranged_file_response(request, path: str, content_type: str):
    size = os.path.getsize(path)
    rng = parse_range(request.headers.get("Range", ""), size)
    if rng == "bad":
        resp = HttpResponse("请求的范围无效。", status=416, content_type="text/plain; charset=utf-8")
        resp["Content-Range"] = f"bytes */{size}"
        return resp
    if rng is None:
        resp = StreamingHttpResponse(_reader(path, 0, size), content_type=content_type)
        resp["Content-Length"] = str(size)
    else:
        first, last = rng
        resp = StreamingHttpResponse(_reader(path, first, last - first + 1), status=206, content_type=content_type)
        resp["Content-Length"] = str(last - first + 1)
        resp["Content-Range"] = f"bytes {first}-{last}/{size}"
    resp["Accept-Ranges"] = "bytes"
    resp["Cache-Control"] = "private, max-age=3600"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


class UploadTooLarge(StopUpload):
    pass


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading a request body once it passes the limit (for bodies without an honest Content-Length)."""

    def __init__(self, request=None, limit: int = 0):
        super().__init__(request)
        self.limit = limit
        self.seen = 0
        self.exceeded = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit:
            self.exceeded = True
            raise UploadTooLarge(connection_reset=True)

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.exceeded = True
            raise UploadTooLarge(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
