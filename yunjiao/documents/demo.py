"""Demo data for every document type: used by tests, the benchmark, template validation and the
"下载样例" link on the template page.  Pure Python."""

from __future__ import annotations

from datetime import date

from yunjiao.documents.catalogue import DocumentType
from yunjiao.documents.fields import COMMON_FIELDS, FIELDS
from yunjiao.documents.numbering import build_prefix, chinese_date, format_number

DEMO_SHORT_NAMES = {"city_short": "济", "county_short": "任", "township_short": "古"}
DEMO_ISSUE_DATE = date(2026, 11, 28)


def nest(flat: dict[str, object]) -> dict[str, object]:
    """{"subject.name": "张"} → {"subject": {"name": "张"}}."""
    out: dict[str, object] = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[last] = value
    return out


def demo_number(doc_type: DocumentType, *, year: int = 2026, seq: int = 7) -> str:
    if not doc_type.numbered:
        return ""
    prefix = build_prefix(doc_type.signer, doc_type.number_series, **DEMO_SHORT_NAMES)
    return format_number(prefix, year, seq)


def demo_context(doc_type: DocumentType, *, seq: int = 7, issue_date: date = DEMO_ISSUE_DATE) -> dict:
    flat = {f.name: f.demo for f in COMMON_FIELDS}
    flat["document_number"] = demo_number(doc_type, year=issue_date.year, seq=seq)
    flat["document_title"] = doc_type.title
    flat["issue_date_cn"] = chinese_date(issue_date)
    flat["issue_date"] = issue_date.isoformat()
    if doc_type.signer == "township":
        flat["org.name"] = flat["org.township_name"]
        flat["org.short_name"] = DEMO_SHORT_NAMES["township_short"]
    context = nest(flat)
    for name in doc_type.fields:
        context[name] = FIELDS[name].demo
    return context
