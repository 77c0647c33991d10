"""{% case_documents case %}: the documents of a workflow case (title, 文号, status, links, 补全 form)."""

from __future__ import annotations

from django import template

register = template.Library()


def document_rows(documents) -> list[dict]:
    from yunjiao.documents.views import missing_field_forms

    rows = []
    for doc in documents:
        missing = missing_field_forms(doc) if doc.is_incomplete else []
        rows.append({"doc": doc, "missing": missing, "missing_labels": [f["label"] for f in missing]})
    return rows


@register.inclusion_tag("documents/_case_documents.html", takes_context=True)
def case_documents(context, case):
    from yunjiao.documents.models import Document

    request = context["request"]
    docs = (Document.objects.visible_to(request.user).filter(case=case, is_current=True)
            .select_related("issuing_org").order_by("issue_date", "id"))
    return {"documents": document_rows(docs), "can_write": request.user.can_write_subjects,
            "next": request.get_full_path(), "request": request, "csrf_token": context.get("csrf_token")}
