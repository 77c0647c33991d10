"""Pure functions of the audit hash chain (SM3)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from yunjiao.core.crypto import sm3

CHAINED_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "actor_org_path", "action", "object_type", "object_id",
    "subject_id", "org_path", "summary", "before", "after", "data", "source", "ip", "request_id",
)


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical(row: dict) -> bytes:
    """Canonical JSON of the chained fields (sorted keys, no whitespace, UTF-8)."""
    payload = {name: row.get(name) for name in CHAINED_FIELDS}
    if isinstance(payload["at"], datetime):
        payload["at"] = payload["at"].isoformat(timespec="microseconds")
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_default).encode("utf-8")


def row_hash(prev_hash: str, row: dict) -> str:
    return sm3(prev_hash.encode("ascii") + canonical(row))


@dataclass(frozen=True)
class Break:
    seq: int
    pk: int
    reason: str


def first_break(rows: Iterable[dict], genesis: str) -> Break | None:
    """Walk rows in seq order; return the first row whose link or hash does not verify."""
    prev = genesis
    expected_seq = None
    for row in rows:
        if expected_seq is not None and row["seq"] != expected_seq:
            return Break(row["seq"], row["pk"], f"序号不连续：应为 {expected_seq}，实为 {row['seq']}（有记录被删除）")
        if row["prev_hash"] != prev:
            return Break(row["seq"], row["pk"], "前序哈希不匹配（上一条记录被修改或删除）")
        if row_hash(prev, row) != row["hash"]:
            return Break(row["seq"], row["pk"], "本条记录内容与哈希不符（记录被修改）")
        prev = row["hash"]
        expected_seq = row["seq"] + 1
    return None
