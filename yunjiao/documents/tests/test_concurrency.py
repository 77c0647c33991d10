"""50 parallel issues of one type on PostgreSQL give 50 distinct consecutive 文号."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from yunjiao.documents import services
from yunjiao.documents.models import Document, NumberSequence

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="需要 PostgreSQL（设置 DATABASE_URL=postgres://…）："
                                                       "SQLite 串行写入，无法检验并发取号"),
]


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_issues_get_fifty_consecutive_numbers(monkeypatch, settings, tmp_path):
    from yunjiao.core.testing import build_cast

    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(services, "_schedule_render", lambda document_id: None)  # numbering only
    cast = build_cast()
    fields = {"facts": "擅自离开居住地。", "legal_basis": "《中华人民共和国社区矫正法》第二十八条"}

    def issue(_):
        try:
            doc = services.issue_document(cast.subject_a1, "warning_decision", actor=cast.county_a_officer,
                                          context_extra=fields, issue_date=date(2026, 11, 28))
            return doc.seq
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        seqs = list(pool.map(issue, range(50)))
    assert sorted(seqs) == list(range(1, 51))
    numbers = set(Document.objects.values_list("number", flat=True))
    assert len(numbers) == 50 and "济任司矫警字〔2026〕第50号" in numbers
    assert NumberSequence.objects.get().last == 50
