"""Every write of the documents app: issuing (文号 + Document row), rendering, PDF conversion, templates,
incoming uploads, the e-file table of contents.

Issuing and rendering are split: `issue_document` runs inside the caller's transaction (a workflow
transition), allocates the 文号 gap-free and creates the Document row; the .docx is rendered after commit in
a huey job, then the PDF in another job.  A failed render leaves the Document with `file_status=failed` and
the reason; it never leaves a broken file.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from yunjiao.audit import services as audit
from yunjiao.audit.models import Action
from yunjiao.core.actors import SYSTEM
from yunjiao.core.errors import NotAllowed, ServiceError
from yunjiao.documents import catalogue, numbering, rendering
from yunjiao.documents.build_templates import template_path
from yunjiao.documents.catalogue import DocumentType
from yunjiao.documents.fields import FIELDS
from yunjiao.documents.models import CaseFileExport, Document, NumberSequence, TemplateVersion
from yunjiao.orgs.models import Org, OrgLevel
from yunjiao.subjects.models import Subject

MAX_INCOMING_BYTES = 30 * 1024 * 1024
TEMPLATE_ADMIN_ROLES = frozenset({"city_admin"})


# ------------------------------------------------------------------------------------------ lookups
def _doc_type(code: str) -> DocumentType:
    try:
        return catalogue.get(code)
    except KeyError as exc:
        raise ServiceError(str(exc).strip("'\""), code="unknown_type") from None


def city_of(org: Org) -> Org:
    node = org
    while node.parent_id is not None and node.level != OrgLevel.CITY:
        node = node.parent
    return node


def issuing_org(subject: Subject, doc_type: DocumentType) -> Org:
    """Whose name and 文号 series a document carries: the 司法所 for township documents (the county when the
    subject has no 司法所 yet), the county agency otherwise."""
    if doc_type.signer == "township" and subject.township_id:
        return subject.township
    return subject.execution_org


def number_prefix(org: Org, doc_type: DocumentType) -> str:
    if org.level == OrgLevel.TOWNSHIP:
        county = org.parent
        signer = "township"
    else:
        county = org
        signer = "county_head" if doc_type.signer == "county_head" else "county"
    try:
        return numbering.build_prefix(signer, doc_type.number_series, city_short=city_of(county).short_name,
                                      county_short=county.short_name,
                                      township_short=org.short_name if org.level == OrgLevel.TOWNSHIP else "")
    except numbering.NumberingError as exc:
        raise ServiceError(str(exc), code="numbering") from None


def next_sequence(org: Org, series: str, year: int) -> int:
    """The next number of (org, series, year).  Must run inside the transaction that uses the number: the
    row stays locked until commit, and a rollback gives the number back (gap-free)."""
    row = NumberSequence.objects.select_for_update().filter(org=org, series=series, year=year).first()
    if row is None:
        try:
            with transaction.atomic():
                row = NumberSequence.objects.create(org=org, series=series, year=year, last=0)
        except IntegrityError:  # created by a concurrent transaction meanwhile: wait for its lock
            row = NumberSequence.objects.select_for_update().get(org=org, series=series, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


# ------------------------------------------------------------------------------------------ templates
def current_template(city: Org | None, code: str) -> TemplateVersion | None:
    if city is None:
        return None
    return TemplateVersion.objects.filter(city=city, doc_type=code, is_current=True).first()


def builtin_template_bytes(code: str) -> bytes:
    path = template_path(code)
    if not path.exists():
        raise ServiceError(f"文书类型“{_doc_type(code).title}”没有模板（外来文书只能上传）。", code="no_template")
    return path.read_bytes()


def template_bytes(document_or_version) -> bytes:
    version = document_or_version if isinstance(document_or_version, TemplateVersion) \
        else document_or_version.template_version
    if version is None:
        return builtin_template_bytes(document_or_version.doc_type)
    with version.file.open("rb") as fh:
        return fh.read()


def _require_template_admin(actor, city: Org) -> None:
    if actor is SYSTEM or getattr(actor, "is_superuser", False):
        return
    if getattr(actor, "role", None) not in TEMPLATE_ADMIN_ROLES or actor.org_id is None \
            or city_of(actor.org).pk != city.pk:
        raise NotAllowed("只有市局管理员可以更换本市的文书模板。")


def upload_template(city: Org, code: str, data: bytes, *, actor, note: str = "") -> TemplateVersion:
    """A city's replacement template.  Checked before anything is stored; the previous version stays."""
    doc_type = _doc_type(code)
    if doc_type.incoming:
        raise ServiceError(f"“{doc_type.title}”是外来文书，没有模板。", code="no_template")
    _require_template_admin(actor, city)
    try:
        check = rendering.validate_template(data, doc_type)
    except rendering.TemplateRejected as exc:
        raise ServiceError(str(exc), code="template_rejected") from None
    sha = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        Org.objects.select_for_update().filter(pk=city.pk).first()  # serialise uploads of one city
        last = TemplateVersion.objects.filter(city=city, doc_type=code).aggregate(m=Max("version"))["m"] or 0
        previous = current_template(city, code)
        TemplateVersion.objects.filter(city=city, doc_type=code, is_current=True).update(is_current=False)
        version = TemplateVersion(city=city, doc_type=code, version=last + 1, sha256=sha, size=check.size,
                                  fields_used=sorted(check.fields), note=note[:200], uploaded_by=_user(actor))
        version.file.save(f"{code}_v{last + 1}.docx", ContentFile(data), save=False)
        version.save()
        audit.record(actor, Action.CONFIG, version, summary=f"更换文书模板：{doc_type.title} 第{last + 1}版",
                     before={"version": previous.version if previous else 0},
                     after={"version": last + 1, "sha256": sha}, org_path=city.path)
    return version


def activate_template(version: TemplateVersion | None, *, actor, city: Org | None = None,
                      code: str | None = None) -> None:
    """Make a stored version current again, or (version=None) go back to the built-in template."""
    city = version.city if version is not None else city
    code = version.doc_type if version is not None else code
    _require_template_admin(actor, city)
    with transaction.atomic():
        Org.objects.select_for_update().filter(pk=city.pk).first()
        TemplateVersion.objects.filter(city=city, doc_type=code, is_current=True).update(is_current=False)
        if version is not None:
            TemplateVersion.objects.filter(pk=version.pk).update(is_current=True)
        audit.record(actor, Action.CONFIG, version, org_path=city.path,
                     summary=f"启用文书模板：{_doc_type(code).title} "
                             f"{f'第{version.version}版' if version else '系统默认版'}")


# ------------------------------------------------------------------------------------------ context
def _display(obj, field: str) -> str:
    return getattr(obj, f"get_{field}_display")() if getattr(obj, field) else ""


def subject_context(subject: Subject, *, on: date | None = None) -> dict:
    """The `subject.*` fields of a document (decrypted: the document is the official record)."""
    cd = numbering.chinese_date
    prohibitions = "；".join(p.content for p in subject.prohibitions.all())
    return {
        "name": subject.name, "former_name": subject.former_name or "无", "sex": subject.get_sex_display(),
        "ethnicity": subject.ethnicity, "birth_date_cn": cd(subject.birth_date),
        "age": str(subject.age_on(on or timezone.localdate())), "id_number": subject.id_number,
        "number": subject.number, "category": subject.get_category_display(),
        "temporary_release_type": _display(subject, "temporary_release_type"), "charges": subject.charges,
        "crime_facts": subject.crime_facts, "original_penalty": _display(subject, "original_penalty"),
        "original_term": subject.original_term, "supplementary_penalty": subject.supplementary_penalty or "无",
        "deciding_authority": subject.deciding_authority, "judgment_number": subject.judgment_number,
        "judgment_date_cn": cd(subject.judgment_date),
        "judgment_effective_date_cn": cd(subject.judgment_effective_date),
        "correction_term": subject.correction_term, "period_start_cn": cd(subject.period_start),
        "period_end_cn": cd(subject.period_end), "residence_address": subject.residence_address,
        "household_address": subject.household_address, "phone": subject.phone, "work_unit": subject.work_unit,
        "education": _display(subject, "education"), "marital_status": _display(subject, "marital_status"),
        "political_status": _display(subject, "political_status"), "health_status": subject.health_status,
        "employment": _display(subject, "employment"), "supervision_level": _display(subject, "supervision_level"),
        "report_date_cn": cd(subject.report_date), "prohibitions": prohibitions or "无",
    }


def case_person_context(case) -> dict:
    """The `subject.*` fields of a document of a case without a subject (调查评估): the person's name from
    the case; facts only a registered subject has are left empty."""
    from yunjiao.documents.fields import COMMON_FIELDS

    context = {f.name.split(".", 1)[1]: "" for f in COMMON_FIELDS if f.name.startswith("subject.")}
    data = case.data or {}
    context["name"] = data.get("person_name") or case.title
    return context


def org_context(org: Org, subject: Subject | None) -> dict:
    county = org if org.level != OrgLevel.TOWNSHIP else org.parent
    if subject is not None:
        township = subject.township.name if subject.township_id else ""
    else:
        township = org.name if org.level == OrgLevel.TOWNSHIP else ""
    return {
        "name": org.name, "short_name": org.short_name, "city_name": city_of(county).name,
        "county_name": county.name, "township_name": township,
        "address": "", "phone": "",
    }


def _normalise_fields(doc_type: DocumentType, values: dict | None) -> dict:
    """Keep the type's declared fields; dates become Chinese numerals; everything JSON-storable."""
    out = {}
    for name, value in (values or {}).items():
        if name not in FIELDS or name not in doc_type.fields:
            continue
        if isinstance(value, date):
            value = numbering.chinese_date(value)
        elif FIELDS[name].kind == "rows":
            value = [{k: ("" if v is None else str(v)) for k, v in dict(row).items()} for row in (value or [])]
        elif value is None:
            value = ""
        else:
            value = str(value)
        out[name] = value
    return out


def build_context(document: Document) -> dict:
    subject = document.subject
    person = subject_context(subject, on=document.issue_date) if subject is not None \
        else case_person_context(document.case)
    context = {
        "subject": person,
        "org": org_context(document.issuing_org, subject),
        "officer": {"name": str(document.created_by) if document.created_by else ""},
        "document_number": document.number,
        "document_title": document.title,
        "issue_date_cn": numbering.chinese_date(document.issue_date),
        "issue_date": document.issue_date.isoformat(),
    }
    context.update(document.fields)
    return context


def audit_path(doc: Document) -> str | None:
    """Where the audit row of a document belongs: its subject's branch, or its case's (no subject yet)."""
    if doc.subject_id or not doc.case_id:
        return None
    return doc.case.org_path


def _user(actor):
    return None if actor is SYSTEM or getattr(actor, "pk", None) is None else actor


def _record_id(transition_record) -> int | None:
    if transition_record is None:
        return None
    return int(getattr(transition_record, "pk", transition_record))


# ------------------------------------------------------------------------------------------ issuing
def _owner_org(path: str) -> Org:
    org = Org.objects.filter(path=path).first()
    if org is None:
        raise ServiceError(f"找不到承办机构（{path}），无法生成文书。", code="no_org")
    return org


def case_issuing_org(case, doc_type: DocumentType) -> Org:
    """The issuing org of a document of a case without a subject: the case's 司法所 for township documents
    (the county before one is assigned), the county agency of the case otherwise."""
    org = _owner_org(case.org_path)
    if org.level == OrgLevel.TOWNSHIP and doc_type.signer != "township":
        org = org.parent
    return org


def missing_field_names(doc_type: DocumentType, fields: dict) -> list[str]:
    """Names of the type's required fields that are empty in `fields` (declared order)."""
    return [name for name in doc_type.required if not _filled(fields.get(name))]


def _filled(value) -> bool:
    return not (value is None or (isinstance(value, str | list | tuple) and len(value) == 0)
                or (isinstance(value, str) and not value.strip()))


def _missing_message(doc_type: DocumentType, names) -> str:
    return f"生成“{doc_type.title}”缺少必填内容：{'、'.join(FIELDS[n].label for n in names)}。"


def issue_document(subject: Subject | None, code: str, *, actor, context_extra: dict | None = None,
                   transition_record=None, issue_date: date | None = None, case=None,
                   allow_incomplete: bool = False) -> Document:
    """Create one document: 文号 allocated now (gap-free, in this transaction), file rendered after commit.

    `subject` may be None for a document of a case without a subject (调查评估): `case` then says whose it is
    and which org issues it.  Missing required content is an error, unless `allow_incomplete` (a workflow step
    that produced it): the document is then stored as 待补全 with its `missing_fields`, not rendered, and
    `complete_document` finishes it."""
    doc_type = _doc_type(code)
    if doc_type.incoming:
        raise ServiceError(f"“{doc_type.title}”是外来文书，请上传原件，不能生成。", code="incoming_type")
    if subject is None and case is None:
        raise ServiceError("文书须属于一名社区矫正对象或一个流程案件。", code="no_owner")
    fields = _normalise_fields(doc_type, context_extra)
    missing = missing_field_names(doc_type, fields)
    if missing and not allow_incomplete:
        raise ServiceError(_missing_message(doc_type, missing), code="missing_fields")
    day = issue_date or timezone.localdate()
    with transaction.atomic():
        if subject is not None:
            subject = Subject.objects.select_related("execution_org", "township").get(pk=subject.pk)
            org = issuing_org(subject, doc_type)
        else:
            org = case_issuing_org(case, doc_type)
        number = series = ""
        year = seq = None
        if doc_type.numbered:
            prefix = number_prefix(org, doc_type)
            series, year = doc_type.number_series, day.year
            seq = next_sequence(org, series, year)
            number = numbering.format_number(prefix, year, seq)
        version = current_template(city_of(org), code)
        status = Document.Status.INCOMPLETE if missing else Document.Status.NORMAL
        doc = Document.objects.create(
            subject=subject, case=case, doc_type=code, title=doc_type.title, issuing_org=org, number=number,
            series=series, year=year, seq=seq, issue_date=day, fields=fields, template_version=version,
            transition_record_id=_record_id(transition_record), created_by=_user(actor),
            status=status, missing_fields=missing, pdf_status=Document.PdfStatus.PENDING,
        )
        audit.record(actor, Action.CREATE, doc, subject=subject,
                     org_path=None if subject is not None else case.org_path,
                     summary=f"生成文书：{doc_type.title}{(' ' + number) if number else ''}"
                             f"{'（待补全）' if missing else ''}",
                     after={"doc_type": code, "number": number, "version": 1, "status": status,
                            "missing_fields": missing})
        if not missing:
            _schedule_render(doc.pk)
    return doc


def generate_for(case, codes, *, actor, transition_record=None) -> list[Document]:
    """Documents a workflow step declares, created in the caller's transaction (the step's).

    `case` is the workflow case or a Subject; a case supplies the type fields with `document_fields(code)`.
    Content the case does not hold yet never blocks the step: such a document is stored 待补全.  A real error
    (unknown type, an incoming type, no 文号 prefix for the org) raises ServiceError and the caller's step
    rolls back."""
    if isinstance(case, Subject):
        subject, owner_case = case, None
    else:
        is_case_row = getattr(getattr(case, "_meta", None), "label", "") == "workflows.Case"
        subject, owner_case = case.subject, (case if is_case_row else None)
    fields_for = getattr(case, "document_fields", None)
    docs = []
    with transaction.atomic():
        for code in codes:
            _doc_type(code)  # an unknown code is a declaration error: fail before anything is stored
            extra = fields_for(code) if callable(fields_for) else {}
            docs.append(issue_document(subject, code, actor=actor, context_extra=extra, case=owner_case,
                                       transition_record=transition_record, allow_incomplete=True))
    return docs


def complete_document(document: Document, fields: dict | None, *, actor) -> Document:
    """Fill the missing content of a 待补全 document: it becomes 正常 and is rendered after commit (audited).

    Only the type's declared fields are taken; if required content is still missing nothing is stored."""
    with transaction.atomic():
        doc = Document.objects.select_for_update(of=("self",)).select_related("subject", "case").get(pk=document.pk)
        if doc.status != Document.Status.INCOMPLETE:
            raise ServiceError(f"“{doc.title}”内容已完整，无需补全；如需修改请重新生成。", code="not_incomplete")
        doc_type = doc.doc_type_def
        given = {k: v for k, v in _normalise_fields(doc_type, fields).items() if _filled(v)}
        merged = {**doc.fields, **given}
        missing = missing_field_names(doc_type, merged)
        if missing:
            raise ServiceError(_missing_message(doc_type, missing).replace("生成", "补全", 1),
                               code="missing_fields", field_errors={n: f"请填写“{FIELDS[n].label}”" for n in missing})
        before = {"status": doc.status, "missing_fields": list(doc.missing_fields)}
        doc.fields, doc.status, doc.missing_fields = merged, Document.Status.NORMAL, []
        doc.file_status, doc.pdf_status, doc.error = Document.FileStatus.PENDING, Document.PdfStatus.PENDING, ""
        doc.save(update_fields=["fields", "status", "missing_fields", "file_status", "pdf_status", "error"])
        audit.record(actor, Action.UPDATE, doc, subject=doc.subject,
                     org_path=audit_path(doc),
                     summary=f"补全文书：{doc.title}{(' ' + doc.number) if doc.number else ''}",
                     before=before, after={"status": doc.status, "fields": sorted(given)})
        _schedule_render(doc.pk)
    return doc


def regenerate(document: Document, *, actor, context_extra: dict | None = None) -> Document:
    """A new version of the same document (same 文号); the old version stays, marked not current."""
    with transaction.atomic():
        old = (Document.objects.select_for_update(of=("self",)).select_related("subject", "issuing_org")
               .get(pk=document.pk))
        if not old.is_current:
            raise ServiceError("只能对当前版本重新生成，请打开最新版本。", code="not_current")
        if old.incoming:
            raise ServiceError("外来文书不能重新生成，请重新上传。", code="incoming_type")
        if old.status == Document.Status.INCOMPLETE:
            raise ServiceError(f"“{old.title}”尚待补全，请先填写缺少的内容。", code="incomplete")
        doc_type = old.doc_type_def
        fields = dict(old.fields)
        fields.update(_normalise_fields(doc_type, context_extra))
        missing = rendering.missing_required(doc_type, fields)
        if missing:
            raise ServiceError(f"生成“{doc_type.title}”缺少必填内容：{'、'.join(missing)}。", code="missing_fields")
        old.is_current = False
        old.save(update_fields=["is_current"])
        new = Document.objects.create(
            subject=old.subject, case_id=old.case_id, doc_type=old.doc_type, title=old.title, issuing_org=old.issuing_org,
            number=old.number, series=old.series, year=old.year, seq=old.seq, issue_date=old.issue_date,
            version=old.version + 1, previous=old, fields=fields,
            template_version=current_template(city_of(old.issuing_org), old.doc_type),
            transition_record_id=old.transition_record_id, created_by=_user(actor),
        )
        audit.record(actor, Action.UPDATE, new, subject=old.subject,
                     org_path=audit_path(old),
                     summary=f"重新生成文书：{old.title} {old.number} 第{new.version}版",
                     before={"version": old.version}, after={"version": new.version})
        _schedule_render(new.pk)
    return new


def upload_incoming(subject: Subject, code: str, data: bytes, filename: str, *, actor, number: str = "",
                    issue_date: date, source_name: str = "") -> Document:
    """An incoming document (判决书, 执行通知书, 委托函 …) attached to the subject's file."""
    doc_type = _doc_type(code)
    if not doc_type.incoming:
        raise ServiceError(f"“{doc_type.title}”由系统生成，不能上传。", code="generated_type")
    if not data:
        raise ServiceError("文件为空，请重新选择。", code="empty")
    if len(data) > MAX_INCOMING_BYTES:
        raise ServiceError(f"文件过大，不能超过 {MAX_INCOMING_BYTES // 1024 // 1024} MB。", code="too_large")
    suffix = Path(filename).suffix.lower()
    is_pdf = data[:5] == b"%PDF-"
    if suffix not in (".pdf", ".docx", ".jpg", ".jpeg", ".png") or (suffix == ".pdf" and not is_pdf):
        raise ServiceError("只能上传 PDF、Word（.docx）或图片（JPG/PNG）文件。", code="bad_file")
    with transaction.atomic():
        subject = Subject.objects.select_for_update().get(pk=subject.pk)
        doc = Document(subject=subject, doc_type=code, title=doc_type.title, incoming=True,
                       source_name=source_name[:100], number=number[:64], issue_date=issue_date,
                       created_by=_user(actor), file_status=Document.FileStatus.READY,
                       pdf_status=Document.PdfStatus.NOT_APPLICABLE)
        name = f"{subject.number}_{code}_{timezone.now():%Y%m%d%H%M%S}{suffix}"
        if is_pdf:
            doc.pdf.save(name, ContentFile(data), save=False)
            doc.pdf_status = Document.PdfStatus.READY
        else:
            doc.file.save(name, ContentFile(data), save=False)
        doc.save()
        audit.record(actor, Action.CREATE, doc, subject=subject,
                     summary=f"上传外来文书：{doc_type.title} {number}".strip())
    return doc


# ------------------------------------------------------------------------------------------ jobs
def _schedule_render(document_id: int) -> None:
    from yunjiao.documents import jobs

    transaction.on_commit(lambda: jobs.render_document_job(document_id))


def render_document_file(document_id: int, *, actor=SYSTEM) -> Document:
    """Job body: render the .docx of a Document, then queue its PDF."""
    with transaction.atomic():
        doc = Document.objects.select_for_update(of=("self",)).select_related(
            "subject", "issuing_org", "template_version", "created_by").get(pk=document_id)
        if doc.file_status == Document.FileStatus.READY and doc.file:
            return doc
        if doc.status == Document.Status.INCOMPLETE:
            return doc  # waiting for its missing content: complete_document renders it
        doc_type = doc.doc_type_def
        try:
            data = rendering.render_document(doc_type, template_bytes(doc), build_context(doc))
        except rendering.DocumentError as exc:
            doc.file_status, doc.error = Document.FileStatus.FAILED, str(exc)
            doc.pdf_status = Document.PdfStatus.NOT_APPLICABLE
            doc.save(update_fields=["file_status", "error", "pdf_status"])
            audit.record(actor, Action.OTHER, doc, subject=doc.subject, org_path=audit_path(doc),
                         summary=f"文书生成失败：{doc.title}",
                         data={"error": str(exc)[:300]})
            return doc
        doc.file.save(f"{file_stem(doc)}.docx", ContentFile(data), save=False)
        doc.file_status, doc.error = Document.FileStatus.READY, ""
        doc.template_sha256 = hashlib.sha256(template_bytes(doc)).hexdigest()
        if rendering.pdf_available():
            doc.pdf_status = Document.PdfStatus.PENDING
            _schedule_pdf(doc.pk)
        else:
            doc.pdf_status = Document.PdfStatus.UNAVAILABLE
        doc.save()
    return doc


def file_stem(doc: Document) -> str:
    owner = doc.subject.number if doc.subject_id else f"case{doc.case_id}"
    return f"{owner}_{doc.doc_type}_v{doc.version}"


def _schedule_pdf(document_id: int) -> None:
    from yunjiao.documents import jobs

    transaction.on_commit(lambda: jobs.convert_pdf_job(document_id))


def convert_document_pdf(document_id: int, *, actor=SYSTEM) -> Document:
    """Job body: the PDF of a rendered document.  LibreOffice missing → status "PDF 不可用", no file."""
    doc = Document.objects.select_related("subject", "case").get(pk=document_id)
    if not doc.file or doc.file_status != Document.FileStatus.READY:
        return doc
    if not rendering.pdf_available():
        Document.objects.filter(pk=doc.pk).update(pdf_status=Document.PdfStatus.UNAVAILABLE)
        doc.pdf_status = Document.PdfStatus.UNAVAILABLE
        return doc
    with tempfile.TemporaryDirectory(prefix="yunjiao-pdf-") as tmp:
        src = Path(tmp) / f"{file_stem(doc)}.docx"
        with doc.file.open("rb") as fh:
            src.write_bytes(fh.read())
        try:
            pdf_path = rendering.convert_to_pdf(src)
            pages = rendering.pdf_page_count(pdf_path)
            pdf_bytes = pdf_path.read_bytes()
        except rendering.DocumentError as exc:
            Document.objects.filter(pk=doc.pk).update(pdf_status=Document.PdfStatus.FAILED, error=str(exc))
            doc.pdf_status, doc.error = Document.PdfStatus.FAILED, str(exc)
            return doc
    with transaction.atomic():
        doc = Document.objects.select_for_update().get(pk=document_id)
        doc.pdf.save(src.with_suffix(".pdf").name, ContentFile(pdf_bytes), save=False)
        doc.pdf_status, doc.pages = Document.PdfStatus.READY, pages
        doc.save(update_fields=["pdf", "pdf_status", "pages"])
    return doc


# ------------------------------------------------------------------------------------------ the e-file
def case_file_entries(subject: Subject, archive: str, *, documents=None) -> list[dict]:
    """卷内目录 of one file (enforcement / working): current documents in archive order, with page ranges
    counted from the PDFs (a document without a PDF counts as one page and is marked)."""
    if archive not in ("enforcement", "working"):
        raise ServiceError("档案类别应为执法档案或工作档案。", code="bad_archive")
    docs = documents if documents is not None else Document.objects.filter(subject=subject, is_current=True)
    rows = [d for d in docs if d.doc_type_def.in_archive(archive) and not d.doc_type_def.produced_by_case_file]
    rows.sort(key=lambda d: (d.doc_type_def.sort_key, d.issue_date, d.pk))
    entries, page = [], 1
    for i, d in enumerate(rows, start=1):
        pages = d.pages or 1
        last = page + pages - 1
        entries.append({
            "no": str(i), "document_number": d.number, "title": d.title,
            "responsible": d.source_name if d.incoming else (d.issuing_org.name if d.issuing_org else ""),
            "date": f"{d.issue_date:%Y%m%d}", "pages": f"{page}-{last}" if last > page else str(page),
            "pages_known": d.pages is not None, "section": catalogue.SECTIONS[d.doc_type_def.section].title,
            "document": d,
        })
        page = last + 1
    return entries


# ------------------------------------------------------------------------------------------ e-file export
def _discharge_date(subject: Subject) -> date:
    cert = Document.objects.filter(subject=subject, doc_type="discharge_certificate", is_current=True) \
        .order_by("-issue_date").first()
    return cert.issue_date if cert else subject.period_end


def export_subjects(export: CaseFileExport) -> list[Subject]:
    """The subjects an export covers, inside the requesting org's branch."""
    from yunjiao.core.scoping import path_q
    from yunjiao.subjects import choices as sc

    if export.subject_id:
        return [export.subject]
    qs = Subject.objects.filter(path_q("org_path", export.org_path), status=sc.Status.DISCHARGED) \
        .select_related("execution_org", "township").order_by("period_end", "id")
    return [s for s in qs if export.discharged_from <= _discharge_date(s) <= export.discharged_to]


def request_export(*, actor, archive: str, fmt: str, subject: Subject | None = None,
                   discharged_from: date | None = None, discharged_to: date | None = None) -> CaseFileExport:
    """Queue an export of one subject's file, or of every subject discharged in a period (background job)."""
    if archive not in ("enforcement", "working"):
        raise ServiceError("请选择执法档案或工作档案。", code="bad_archive")
    if fmt not in CaseFileExport.Format.values:
        raise ServiceError("请选择导出格式（PDF 或 ZIP）。", code="bad_format")
    if fmt == CaseFileExport.Format.PDF and not rendering.pdf_available():
        raise ServiceError("PDF 不可用：服务器未安装 LibreOffice，请选择 ZIP 格式导出 Word 文件。", code="pdf_unavailable")
    org = getattr(actor, "org", None)
    if subject is None:
        if not discharged_from or not discharged_to or discharged_from > discharged_to:
            raise ServiceError("请填写正确的解除日期范围。", code="bad_period")
        if org is None:
            raise ServiceError("您的账号未归属机构，无法按期间导出。", code="no_org")
    else:
        org = org or subject.execution_org
    with transaction.atomic():
        export = CaseFileExport.objects.create(
            org=org, org_path=org.path, subject=subject, discharged_from=discharged_from,
            discharged_to=discharged_to, archive=archive, format=fmt, requested_by=_user(actor))
        what = subject.name if subject else f"{discharged_from}至{discharged_to}解除的对象"
        audit.record(actor, Action.EXPORT, export, subject=subject, org_path=org.path,
                     summary=f"导出卷宗：{what}（{catalogue.ARCHIVES[archive]}，{export.get_format_display()}）")
        from yunjiao.documents import jobs

        transaction.on_commit(lambda: jobs.export_case_files_job(export.pk))
    return export


def _toc_docx(subject: Subject, archive: str, entries: list[dict], org: Org) -> bytes:
    t = catalogue.get("case_file_contents")
    context = {
        "subject": subject_context(subject), "org": org_context(org, subject), "officer": {"name": ""},
        "document_number": "", "document_title": t.title, "issue_date_cn": numbering.chinese_date(timezone.localdate()),
        "issue_date": timezone.localdate().isoformat(), "archive_kind": catalogue.ARCHIVES[archive],
        "entries": [{k: e[k] for k in ("no", "document_number", "responsible", "title", "date", "pages")}
                    for e in entries],
    }
    version = current_template(city_of(org), t.code)
    return rendering.render_document(t, template_bytes(version) if version else builtin_template_bytes(t.code),
                                     context)


def _progress(export: CaseFileExport, done: int) -> None:
    CaseFileExport.objects.filter(pk=export.pk).update(done=done)


def run_export(export_id: int, *, actor=SYSTEM) -> CaseFileExport:
    """Job body: build the export file.  Progress is written as documents are processed."""
    import zipfile

    export = CaseFileExport.objects.select_related("subject", "org").get(pk=export_id)
    CaseFileExport.objects.filter(pk=export.pk).update(status=CaseFileExport.Status.RUNNING)
    try:
        subjects = export_subjects(export)
        plan = []
        for subject in subjects:
            docs = list(Document.objects.filter(subject=subject, is_current=True).select_related("issuing_org"))
            plan.append((subject, case_file_entries(subject, export.archive, documents=docs)))
        total = sum(len(entries) + 1 for _, entries in plan)
        CaseFileExport.objects.filter(pk=export.pk).update(total=total, done=0)
        done = 0
        with tempfile.TemporaryDirectory(prefix="yunjiao-export-") as tmp:
            work = Path(tmp)
            can_pdf = rendering.pdf_available()
            per_subject = []
            for subject, entries in plan:
                sdir = work / subject.number
                sdir.mkdir()
                files = []
                for e in entries:
                    d = e["document"]
                    stem = f"{int(e['no']):03d}_{d.title}"
                    for field, suffix in ((d.file, None), (d.pdf, ".pdf")):
                        if field:
                            path = sdir / f"{stem}{suffix or Path(field.name).suffix}"
                            with field.open("rb") as fh:
                                path.write_bytes(fh.read())
                            files.append(path)
                # Word files without a PDF yet: one LibreOffice start per subject
                need = [p for p in files if p.suffix == ".docx" and not p.with_suffix(".pdf").exists()]
                if need and can_pdf:
                    rendering.convert_many(need, sdir)
                if can_pdf:  # real page counts for the 卷内目录
                    for e in entries:
                        pdf = sdir / f"{int(e['no']):03d}_{e['document'].title}.pdf"
                        if pdf.exists():
                            e["document"].pages = rendering.pdf_page_count(pdf)
                    entries = case_file_entries(subject, export.archive, documents=[e["document"] for e in entries])
                toc = sdir / f"000_卷内目录_{subject.number}.docx"
                toc.write_bytes(_toc_docx(subject, export.archive, entries, subject.execution_org))
                per_subject.append((subject, sdir, toc))
                done += len(entries)
                _progress(export, done)
            if can_pdf and per_subject:  # every subject's 卷内目录 in one LibreOffice start
                for pdf in rendering.convert_many([toc for _, _, toc in per_subject], work / "tocs"):
                    subject_dir = next(sdir for _, sdir, toc in per_subject if toc.stem == pdf.stem)
                    pdf.rename(subject_dir / pdf.name)
            zip_path = work / "export.zip"
            merged_inputs: list[Path] = []
            with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
                for subject, sdir, _toc in per_subject:
                    folder = f"{subject.number}_{subject.name}"
                    for p in sorted(sdir.iterdir()):
                        zf.write(p, f"{folder}/{p.name}")
                        if p.suffix == ".pdf":
                            merged_inputs.append(p)
                    done += 1
                    _progress(export, done)
            if export.format == CaseFileExport.Format.PDF:
                out = rendering.merge_pdfs(merged_inputs, work / "export.pdf")
                name = f"卷宗_{export.pk}.pdf"
            else:
                out, name = zip_path, f"卷宗_{export.pk}.zip"
            with transaction.atomic():
                export = CaseFileExport.objects.select_for_update().get(pk=export.pk)
                export.file.save(name, ContentFile(out.read_bytes()), save=False)
                export.status, export.done, export.finished_at = CaseFileExport.Status.DONE, total, timezone.now()
                export.save()
    except Exception as exc:  # the job must end with a visible state, never "running" forever
        CaseFileExport.objects.filter(pk=export_id).update(status=CaseFileExport.Status.FAILED,
                                                           error=str(exc)[:1000], finished_at=timezone.now())
        export.refresh_from_db()
    return export
