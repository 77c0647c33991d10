from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yunjiao.leave import services


def proof(name="证明.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 proof", content_type="application/pdf")


@pytest.fixture
def apply(cast):
    """apply(days, start_in=5, actor=portal_a1, key=...) → Leave for subject_a1 to 济南市历下区."""
    counter = iter(range(1, 1000))

    def _apply(days, *, start_in=5, actor=None, key=None, subject=None, **kw):
        start = timezone.localdate() + timedelta(days=start_in)
        return services.apply_leave(
            subject or cast.subject_a1, actor=actor or cast.portal_a1, idempotency_key=key or f"k{next(counter)}",
            destination_codes=kw.pop("codes", ["370102"]), destination_names=kw.pop("names", "济南市历下区"),
            start=start, end=start + timedelta(days=days - 1), reason_kind="medical", reason="陪同家人就医",
            attachments=[("诊断证明", proof())], **kw)
    return _apply
