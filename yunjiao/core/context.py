"""Request metadata for the audit trail (source, IP, request id).  Never used for authorisation."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    source: str = "shell"  # web | api | job | shell | device
    ip: str | None = None
    request_id: str = ""


_DEFAULT = RequestInfo()
_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("yunjiao_request", default=None)


def current() -> RequestInfo:
    return _current.get() or _DEFAULT


def set_current(info: RequestInfo):
    return _current.set(info)


def reset(token) -> None:
    _current.reset(token)
